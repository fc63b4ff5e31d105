"""Modules over real sshd through the Executor: ping, streamed command, copy, file, facts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ftltui.engine.events import OutputLine

pytestmark = pytest.mark.ssh

HOME = Path("/var/tmp/ftltest-home")


async def test_ping_every_host(sshbed, make_executor) -> None:
    ex = make_executor(sshbed, list(sshbed.hosts))
    res = await ex.run("all", "ping", {})
    assert {h: r.status for h, r in res.results.items()} == {h: "ok" for h in sshbed.hosts}
    assert all(r.result["ping"] == "pong" for r in res.results.values())


async def test_command_output_streams_before_the_end(sshbed, make_executor, tmp_path) -> None:
    flag = Path("/tmp") / f"ftl-stream-{os.getpid()}-{tmp_path.name}"
    flag.unlink(missing_ok=True)
    seen: list[str] = []

    def on_event(ev) -> None:
        if isinstance(ev, OutputLine):
            seen.append(ev.text)
            if ev.text == "first":  # the command only goes on once we saw this line
                flag.touch()

    script = (f"echo first; i=0; while [ ! -e {flag} ]; do sleep 0.05; i=$((i+1)); "
              f"if [ $i -gt 300 ]; then echo never-streamed; exit 7; fi; done; echo second")
    ex = make_executor(sshbed, ["h01"])
    try:
        res = await ex.run("h01", "command", {"argv": ["sh", "-c", script]}, on_event=on_event)
    finally:
        flag.unlink(missing_ok=True)
    r = res.results["h01"]
    assert r.status == "changed", r.result
    assert r.result["stdout_lines"] == ["first", "second"]
    assert seen == ["first", "second"]


async def test_copy_20mb_with_checksum_and_fetch_back(sshbed, make_executor, tmp_path) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(20 * 1024 * 1024))
    want = hashlib.sha1(src.read_bytes()).hexdigest()
    dest = HOME / f"big-{tmp_path.name}.bin"
    ex = make_executor(sshbed, ["h02"])
    try:
        res = await ex.run("h02", "copy", {"src": str(src), "dest": str(dest)})
        r = res.results["h02"]
        assert r.status == "changed", r.result
        assert r.result.get("checksum") == want
        assert hashlib.sha1(dest.read_bytes()).hexdigest() == want  # same machine: read it back
        assert dest.stat().st_uid == int(os.popen("id -u ftltest").read())
        back = tmp_path / "fetched"
        res = await ex.run("h02", "fetch", {"src": str(dest), "dest": str(back) + "/", "flat": False})
        f = res.results["h02"]
        assert f.ok, f.result
        fetched = [p for p in back.rglob("*") if p.is_file()]
        assert len(fetched) == 1 and hashlib.sha1(fetched[0].read_bytes()).hexdigest() == want
    finally:
        dest.unlink(missing_ok=True)


async def test_file_touch_as_login_user(sshbed, make_executor, tmp_path) -> None:
    path = HOME / f"touched-{tmp_path.name}"
    ex = make_executor(sshbed, ["h03"])
    try:
        res = await ex.run("h03", "file", {"path": str(path), "state": "touch", "mode": "0640"})
        assert res.results["h03"].status == "changed", res.results["h03"].result
        st = path.stat()
        assert oct(st.st_mode & 0o777) == "0o640"
        assert st.st_uid == int(os.popen("id -u ftltest").read())
    finally:
        path.unlink(missing_ok=True)


async def test_facts_are_gathered_remotely(sshbed, make_executor) -> None:
    ex = make_executor(sshbed, ["h04"])
    res = await ex.run("h04", "facts", {})
    r = res.results["h04"]
    assert r.status == "ok", r.result
    facts = r.result["ansible_facts"]
    assert facts.get("ansible_user_id", "ftltest") == "ftltest"
    assert any("127.0.0.14" in str(v) for v in facts.values()) or facts.get("ansible_hostname")
    assert ex.facts.get("h04")


async def test_remote_and_local_results_have_the_same_shape(sshbed, make_executor) -> None:
    ex = make_executor(sshbed, ["h05"], {"local1": {"ansible_connection": "local"}})
    cases = [("ping", {}), ("command", {"argv": ["echo", "hi"]}), ("stat", {"path": "/etc/hostname"}),
             ("command", {"argv": ["false"]})]
    for module, args in cases:
        res = await ex.run("h05,local1", module, args)
        remote, local = res.results["h05"], res.results["local1"]
        drop = {"start", "end", "delta"}
        assert set(remote.result) - drop == set(local.result) - drop, (module, remote.result, local.result)
        assert remote.status == local.status


async def test_no_python_on_host(sshbed, make_executor) -> None:
    ex = make_executor(sshbed, ["h01"], {"h01": {"ansible_python_interpreter": "/nonexistent/python3"}})
    res = await ex.run("h01", "ping", {})
    r = res.results["h01"]
    assert r.status == "failed" and "needs python3 on h01" in r.msg, r.result
    res = await ex.run("h01", "command", {"argv": ["echo", "no-python-needed"]})
    assert res.results["h01"].result["stdout"] == "no-python-needed", res.results["h01"].result
    res = await ex.run("h01", "raw", {"cmd": "echo raw-works"})
    assert res.results["h01"].result["stdout"] == "raw-works\n"  # raw keeps the bytes, as Ansible's does


async def test_unknown_ssh_option_warned_once(sshbed, make_executor) -> None:
    from ftltui.engine.events import Warning_

    warnings: list[str] = []
    ex = make_executor(sshbed, ["h01", "h02"], common={
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={sshbed.known_hosts} -o ForwardX11=yes "
                                   f"-o ControlMaster=auto"})
    ex.bus.subscribe(lambda ev: isinstance(ev, Warning_) and warnings.append(ev.text))
    res = await ex.run("all", "ping", {})
    assert res.ok
    # (Ciphers, once the example here, is honoured since issue 13: tests/ssh/test_ssh_config.py)
    assert [w for w in warnings if "ForwardX11" in w] and len([w for w in warnings if "ForwardX11" in w]) == 1
    assert not [w for w in warnings if "ControlMaster" in w]
