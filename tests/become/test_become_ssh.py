"""Become over SSH on the real bed: sudo with a password, NOPASSWD, su, and every refusal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from testbed import BECOME_PASSWORD as PASSWORD
from testbed import BECOME_USER, NOPASSWD_USER, TTY_USER

pytestmark = [pytest.mark.ssh]

SUDO = {"ansible_become": True, "ansible_become_user": BECOME_USER, "ansible_become_password": PASSWORD}


async def test_sudo_with_password_runs_as_the_become_user(sshbed, become_executor) -> None:
    ex = become_executor(sshbed, {"h01": dict(SUDO)})
    res = await ex.run("h01", "command", {"argv": ["id", "-un"]})
    r = res.results["h01"]
    assert r.status == "changed", r.result
    assert r.result["stdout"] == BECOME_USER


async def test_file_and_copy_leave_files_owned_by_the_become_user(sshbed, become_executor, tmp_path) -> None:
    import pwd

    d = f"/var/tmp/{BECOME_USER}-home/ftl-become-test"
    ex = become_executor(sshbed, {"h01": dict(SUDO)})
    res = await ex.run("h01", "file", {"path": d, "state": "directory", "mode": "0700"})
    assert res.results["h01"].status in ("changed", "ok"), res.results["h01"].result
    src = tmp_path / "payload.txt"
    src.write_text("from the controller\n")
    res = await ex.run("h01", "copy", {"src": str(src), "dest": f"{d}/copied.txt"})
    assert res.results["h01"].status == "changed", res.results["h01"].result
    res = await ex.run("h01", "copy", {"content": "inline\n", "dest": f"{d}/inline.txt"})
    assert res.results["h01"].status == "changed", res.results["h01"].result
    import os

    for p in (d, f"{d}/copied.txt", f"{d}/inline.txt"):
        assert pwd.getpwuid(os.stat(p).st_uid).pw_name == BECOME_USER, p
    assert open(f"{d}/copied.txt").read() == "from the controller\n"
    import shutil

    shutil.rmtree(d)


async def test_one_gate_per_user_cached_beside_the_plain_gate(sshbed, become_executor) -> None:
    ex = become_executor(sshbed, {"h02": dict(SUDO), "h02-plain": {"_as": "h02"}})
    for _ in range(2):
        res = await ex.run("all", "command", {"argv": ["id", "-un"]})
        assert {h: r.result["stdout"] for h, r in res.results.items()} == {"h02": BECOME_USER,
                                                                           "h02-plain": "ftltest"}
    runner = ex.runner_for(ex.inventory.hosts["h02"])
    assert len(runner.pool.connections()) == 1  # same login: one connection, two gates
    become_gates = [g for g in runner._become_gates.values() if g.dead is None]
    assert len(become_gates) == 1


async def test_nopasswd_rule_needs_no_password(sshbed, become_executor) -> None:
    ex = become_executor(sshbed, {"h03": {"ansible_become": "yes", "ansible_become_user": NOPASSWD_USER}})
    res = await ex.run("h03", "command", {"argv": ["id", "-un"]})
    assert res.results["h03"].result.get("stdout") == NOPASSWD_USER, res.results["h03"].result


async def test_su_with_the_target_users_password(sshbed, become_executor) -> None:
    ex = become_executor(sshbed, {"h04": {"ansible_become": True, "ansible_become_method": "su",
                                          "ansible_become_user": BECOME_USER, "ansible_become_pass": PASSWORD}})
    res = await ex.run("h04", "shell", {"cmd": "id -un; echo $HOME"})
    r = res.results["h04"]
    assert r.status == "changed", r.result
    assert r.result["stdout_lines"] == [BECOME_USER, f"/var/tmp/{BECOME_USER}-home"]


@pytest.mark.parametrize(("extra", "expect"), [
    ({"ansible_become_user": BECOME_USER, "ansible_become_password": "wrong-password"},
     "h05: sudo: incorrect password for user ftltest on h05"),
    ({"ansible_become_user": BECOME_USER},
     "h05: sudo: a password is required to become ftlbecome"),
    ({"ansible_become_user": "root", "ansible_become_password": PASSWORD},
     "h05: sudo: user ftltest is not allowed to run commands as root on h05 (no sudoers entry)"),
    ({"ansible_become_user": TTY_USER, "ansible_become_password": PASSWORD},
     "h05: sudo requires a terminal (requiretty) to become ftltty"),
    ({"ansible_become_user": BECOME_USER, "ansible_become_method": "su", "ansible_become_password": "wrong"},
     "h05: su: incorrect password for user ftlbecome on h05"),
    ({"ansible_become_user": BECOME_USER, "ansible_become_method": "su"},
     "h05: su: a password is required to become ftlbecome"),
    ({"ansible_become_method": "doas"},
     "h05: become method 'doas' is not supported (ftl-tui supports sudo and su)"),
], ids=["sudo-wrong-password", "sudo-no-password", "no-sudoers-entry", "requiretty", "su-wrong-password",
        "su-no-password", "unknown-method"])
async def test_refusals_fail_the_host_quickly_with_the_reason(sshbed, become_executor, extra, expect) -> None:
    ex = become_executor(sshbed, {"h05": {"ansible_become": True, **extra}, "h05-plain": {"_as": "h05"}})
    res = await ex.run("all", "command", {"argv": ["id", "-un"]}, timeout=120)
    r = res.results["h05"]
    assert r.status == "failed" and r.error_kind == "become_failed", (r.status, r.error_kind, r.result)
    assert r.msg.startswith(expect), r.msg
    # never waits for the run's timeout: that would end as error_kind "timeout", not become_failed
    assert res.results["h05-plain"].result["stdout"] == "ftltest"  # the other host is unaffected


async def test_a_refused_password_is_not_tried_again_on_the_same_connection(sshbed, become_executor) -> None:
    """Accounts lock after a few failures: a refused password is remembered, sudo is not asked again."""
    import os

    calls = Path(f"/var/tmp/ftl-sudo-calls-{os.getpid()}")
    wrapper = Path(f"/var/tmp/ftl-counting-sudo-{os.getpid()}")
    calls.write_text("")
    calls.chmod(0o666)
    wrapper.write_text(f"#!/bin/sh\necho called >> {calls}\nexec sudo \"$@\"\n")
    wrapper.chmod(0o755)
    try:
        ex = become_executor(sshbed, {"h05": {"ansible_become": True, "ansible_become_user": BECOME_USER,
                                              "ansible_become_exe": str(wrapper),
                                              "ansible_become_password": "wrong-again"}})
        first = await ex.run("h05", "ping", {})
        assert "incorrect password" in first.results["h05"].msg
        assert calls.read_text().count("called") == 1
        res = await ex.run("h05", "ping", {})
        assert "incorrect password" in res.results["h05"].msg
        assert calls.read_text().count("called") == 1  # no second sudo attempt
    finally:
        calls.unlink(missing_ok=True)
        wrapper.unlink(missing_ok=True)


async def test_gate_cache_belongs_to_the_become_user_even_when_sudo_keeps_home(sshbed, become_executor) -> None:
    """sudo -E keeps the caller's HOME: the become gate still caches in its own user's home."""
    import os
    import shutil
    import stat

    mine = "/var/tmp/ftlnopw-home/.cache/ftl-tui"
    caller = "/var/tmp/ftltest-home/.cache/ftl-tui"
    shutil.rmtree(mine, ignore_errors=True)
    before = set(os.listdir(caller)) if os.path.isdir(caller) else set()
    ex = become_executor(sshbed, {"h04": {"ansible_become": True, "ansible_become_user": NOPASSWD_USER,
                                          "ansible_become_flags": "-S -n -E"}})
    res = await ex.run("h04", "shell", {"cmd": "id -un; echo $HOME"})
    assert res.results["h04"].result["stdout_lines"] == [NOPASSWD_USER, "/var/tmp/ftltest-home"]
    st = os.stat(mine)
    assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == __import__("pwd").getpwnam(NOPASSWD_USER).pw_uid
    assert [n for n in os.listdir(mine) if n.startswith("gate-")], "the gate was cached in the become user's home"
    after = set(os.listdir(caller)) if os.path.isdir(caller) else set()
    assert after == before  # nothing of the become user's in the caller's cache


async def test_become_gate_runs_as_the_user_on_the_host_and_ends_with_the_runner(sshbed, become_executor) -> None:
    import asyncio
    import os

    ex = become_executor(sshbed, {"h03": dict(SUDO)})
    res = await ex.run("h03", "ping", {})
    assert res.results["h03"].status == "ok", res.results["h03"].result

    def become_gates() -> list[int]:
        out = []
        for pid in sshbed.gate_pids("h03"):
            try:
                uid = os.stat(f"/proc/{pid}").st_uid
            except OSError:
                continue
            if uid == __import__("pwd").getpwnam(BECOME_USER).pw_uid:
                out.append(pid)
        return out

    assert len(become_gates()) == 1
    await ex.close()
    for _ in range(100):
        if not become_gates():
            break
        await asyncio.sleep(0.05)
    assert become_gates() == []


async def test_an_escalation_that_never_answers_is_bounded_and_cleaned_up(sshbed, become_executor, tmp_path) -> None:
    """A prompt we do not recognise (a PAM token, say) must not hang the run: the run's
    timeout ends it, and the half-started escalation goes away with its channel."""
    import asyncio
    import os

    fake = Path(f"/var/tmp/ftl-fake-sudo-{os.getpid()}")
    fake.write_text("#!/bin/sh\nprintf 'Enter PIN for token: ' >&2\nexec cat >/dev/null\n")
    fake.chmod(0o755)
    try:
        ex = become_executor(sshbed, {"h02": {"ansible_become": True, "ansible_become_user": BECOME_USER,
                                              "ansible_become_exe": str(fake), "ansible_become_password": PASSWORD}})
        t0 = time.monotonic()
        res = await ex.run("h02", "ping", {}, timeout=2)
        assert time.monotonic() - t0 < 30  # bounded by the timeout (generous: CI machines are slow)
        r = res.results["h02"]
        assert r.status == "failed" and r.error_kind == "timeout", (r.status, r.error_kind, r.msg)

        def fakes() -> list[str]:
            found = []
            for pid in os.listdir("/proc"):
                try:
                    if str(fake).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                        found.append(pid)
                except OSError:
                    pass
            return found

        for _ in range(100):
            if not fakes():
                break
            await asyncio.sleep(0.05)
        assert fakes() == []
        # with no run timeout, the gate's hello timeout ends it, quoting the prompt it did not know
        slow = become_executor(sshbed, {"h02": {"ansible_become": True, "ansible_become_user": BECOME_USER,
                                                "ansible_become_exe": str(fake)}},
                               ssh_options={"gate_hello_timeout": 1.5})
        r = (await slow.run("h02", "ping", {})).results["h02"]
        assert r.msg == ("gate on h02 (through sudo as ftlbecome; it last said 'Enter PIN for token:') "
                         "did not say hello within 1.5s"), r.msg
    finally:
        fake.unlink()


async def test_an_ansible_module_runs_as_the_become_user_too(sshbed, become_executor) -> None:
    """Modules ftl-tui does not implement run from the installed Ansible in the same become gate."""
    import os
    import pwd
    import shutil

    if shutil.which("ansible") is None:
        pytest.skip("ansible-core not installed")
    ex = become_executor(sshbed, {"h01": dict(SUDO)})
    res = await ex.run("h01", "ansible.builtin.tempfile", {"state": "file", "suffix": "-ftl-become"})
    r = res.results["h01"]
    assert r.status == "changed", r.result
    try:
        assert pwd.getpwuid(os.stat(r.result["path"]).st_uid).pw_name == BECOME_USER
    finally:
        os.unlink(r.result["path"])
