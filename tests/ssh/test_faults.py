"""Failures over real sshd: host keys, dead hosts, dead gates, auth, secrets."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import asyncssh
import pytest

from ftltui.engine.events import OutputLine

pytestmark = pytest.mark.ssh

SECRET = "hunter2-Zq9-secret"


def _kh_without(bed, name: str, path) -> str:
    lines = [ln for ln in bed.known_hosts.read_text().splitlines() if f"[{bed.hosts[name].address}]" not in ln]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


async def test_unknown_host_key_refused_then_accepted_with_opt_in(sshbed, make_executor, tmp_path) -> None:
    kh = _kh_without(sshbed, "h01", tmp_path / "known_hosts")
    common = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={kh}"}
    res = await make_executor(sshbed, ["h01"], common=common).run("h01", "ping", {})
    r = res.results["h01"]
    assert r.error_kind == "host_key_rejected", r.result
    assert "unknown host key" in r.msg and "--accept-new-host-keys" in r.msg
    ex = make_executor(sshbed, ["h01"], common=common, ssh_options={"accept_new_host_keys": True})
    assert (await ex.run("h01", "ping", {})).results["h01"].status == "ok"
    assert sshbed.host_public_key("h01") in open(kh).read()  # appended
    res = await make_executor(sshbed, ["h01"], common=common).run("h01", "ping", {})
    assert res.results["h01"].status == "ok"  # now known, no opt-in needed


async def test_changed_host_key_always_refused(sshbed, make_executor, tmp_path) -> None:
    kh = tmp_path / "known_hosts"
    other = sshbed.host_public_key("h02")
    addr = f"[{sshbed.hosts['h01'].address}]:{sshbed.port}"
    kh.write_text(_kh_without(sshbed, "h01", kh) and kh.read_text() + f"{addr} {other}\n")
    common = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={kh}", "host_key_checking": False}
    ex = make_executor(sshbed, ["h01"], common=common, ssh_options={"accept_new_host_keys": True})
    r = (await ex.run("h01", "ping", {})).results["h01"]
    assert r.error_kind == "host_key_rejected", r.result
    assert "HOST KEY CHANGED" in r.msg and "h01" in r.msg
    assert kh.read_text().count(addr) == 1  # nothing appended


async def test_sshd_killed_mid_run_only_that_host_fails(sshbed, make_executor) -> None:
    names = ["h01", "h02", "h03", "h04", "h05"]
    ex = make_executor(sshbed, names)
    started: set[str] = set()
    all_started = asyncio.Event()

    def on_event(ev) -> None:
        if isinstance(ev, OutputLine) and ev.text == "started":
            started.add(ev.host)
            if len(started) == len(names):
                all_started.set()

    task = asyncio.create_task(ex.run("all", "command", {"argv": ["sh", "-c", "echo started; sleep 2; echo done"]},
                                      on_event=on_event))
    try:
        await asyncio.wait_for(all_started.wait(), 30)
        sshbed.kill("h05")
        res = await asyncio.wait_for(task, 60)
    finally:
        sshbed.start("h05")
    statuses = {h: r.status for h, r in res.results.items()}
    assert statuses == {"h01": "changed", "h02": "changed", "h03": "changed", "h04": "changed",
                        "h05": "unreachable"}, res.results["h05"].result
    assert "h05" in res.results["h05"].msg
    # the command was running when the connection broke: it may have run, and a retry must
    # know that (issue 12 #1): not "never reached"
    assert res.results["h05"].error_kind == "connection_lost", res.results["h05"].result
    from ftltui.jobs.retry import decide
    assert decide("unreachable", "connection_lost", False) != decide("unreachable", "unreachable", False)
    again = await ex.run("h05", "ping", {})  # the pool reconnects to the restarted sshd
    assert again.results["h05"].status == "ok", again.results["h05"].result


async def test_gate_killed_mid_task_then_next_run_recovers(sshbed, make_executor) -> None:
    ex = make_executor(sshbed, ["h04"])
    assert (await ex.run("h04", "ping", {})).ok
    killed: list[int] = []

    def on_event(ev) -> None:
        if isinstance(ev, OutputLine) and ev.text == "started" and not killed:
            for pid in sshbed.gate_pids("h04"):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    res = await asyncio.wait_for(ex.run("h04", "command", {"argv": ["sh", "-c", "echo started; sleep 3"]},
                                        on_event=on_event), 60)
    r = res.results["h04"]
    assert killed
    assert r.error_kind == "gate_failed", r.result
    assert "gate on h04" in r.msg and "fresh gate" in r.msg
    again = await ex.run("h04", "ping", {})
    assert again.results["h04"].status == "ok", again.results["h04"].result


async def test_password_never_shown_on_auth_failure(sshbed, make_executor, tmp_path) -> None:
    stranger = tmp_path / "stranger_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    ex = make_executor(sshbed, ["h02"], {"h02": {"ansible_ssh_private_key_file": str(stranger),
                                               "ansible_password": SECRET}})
    events: list[str] = []
    ex.bus.subscribe(lambda ev: events.append(repr(ev)))
    res = await ex.run("h02", "ping", {}, on_event=lambda ev: events.append(repr(ev)))
    r = res.results["h02"]
    assert r.error_kind == "auth_failed", r.result
    assert "ftltest" in r.msg and "h02" in r.msg
    blob = json.dumps(res.results["h02"].to_dict()) + "".join(events)
    assert SECRET not in blob


async def test_gate_redacts_secret_args_even_in_failures(sshbed) -> None:
    """Straight to the gate (no executor redaction): a secret arg echoed by a failure is masked."""
    from ftltui.engine.ssh import SshRunner
    from ftltui.inventory.model import Host
    from ftltui.modules import spec
    from ftltui.modules.base import validate_args

    vars_ = dict(sshbed.host_vars("h03"), ansible_ssh_common_args=f"-o UserKnownHostsFile={sshbed.known_hosts}")
    host = Host("h03", vars_)
    runner = SshRunner()
    try:
        conn = await runner.pool.get(runner.chain(host), "h03")
        gate = await runner._gate(conn, host)
        lines: list[str] = []
        params = validate_args(spec("command"), {"argv": [f"/nonexistent/{SECRET}", SECRET]})
        res = await gate.run("command", params, check=False, secret_args=["argv"],
                             on_output=lambda s, t: lines.append(t))
        assert res["failed"] is True
        blob = json.dumps(res) + "".join(lines)
        assert SECRET not in blob and "********" in blob
    finally:
        await runner.close()
