"""Stalls after the connection is up, on real sshd: gate hello, a request, a frozen gate.

``test_timeouts.py`` covers TCP connect and the SSH handshake; ``test_hostile_gate.py``
covers a fake gate that never says hello or never finishes. Here the real gate and real
modules stall, and each configured timeout (``Executor(ssh_options=...)``, ``timeout=``)
ends only the stalled host.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from faults_helpers import executor, host_entry, wait_no_process
from ftltui.engine.events import OutputLine

pytestmark = pytest.mark.ssh


async def test_gate_hello_stall_fails_at_gate_hello_timeout(sshbed, tmp_path: Path) -> None:
    d = tempfile.mkdtemp(prefix="ftl-faults-py-")  # readable by the bed's login user
    try:
        os.chmod(d, 0o755)
        py = Path(d, "python3")
        py.write_text("#!/bin/sh\nexec sleep 4\n")  # a python that starts but never speaks
        py.chmod(0o755)
        hosts = {"h01": host_entry(sshbed, "h01"), "h02": host_entry(sshbed, "h02")}
        hosts["h02"]["ansible_python_interpreter"] = str(py)
        ex = executor(tmp_path / "inv.json", hosts, gate_hello_timeout=1.0)
        try:
            res = await asyncio.wait_for(ex.run("all", "ping", {}), 30)
        finally:
            await ex.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert res.results["h01"].status == "ok"
    r = res.results["h02"]
    assert r.error_kind == "gate_failed" and r.msg == "gate on h02 did not say hello within 1s", r.result


async def test_request_beyond_its_timeout_is_cancelled_and_the_gate_stays_usable(sshbed, tmp_path: Path) -> None:
    hosts = {n: host_entry(sshbed, n, nap=0) for n in ("h01", "h02")}
    hosts["h02"]["nap"] = 60
    ex = executor(tmp_path / "inv.json", hosts)
    argv = ["sh", "-c", "sleep {{ nap }}; echo done"]
    try:
        assert (await ex.run("all", "ping", {})).ok  # gates up: the timeout below is the request's alone
        res = await asyncio.wait_for(ex.run("all", "command", {"argv": argv}, timeout=1), 30)
        assert res.results["h01"].status == "changed"
        r = res.results["h02"]
        assert r.error_kind == "timeout" and r.msg == "h02: timed out after 1s", r.result
        assert await wait_no_process("sleep 60; echo done", 5) == []  # the remote command was stopped
        # the cancel reached the gate: the same gate answers the next request
        runner = ex.runner_for(ex.inventory.hosts["h02"])
        gate = next(c.gate for c in runner.pool.connections() if c.target.name == "h02")
        again = await asyncio.wait_for(ex.run("h02", "ping", {}), 30)
        assert again.results["h02"].status == "ok"
        assert next(c.gate for c in runner.pool.connections() if c.target.name == "h02") is gate
    finally:
        await ex.close()


async def test_frozen_gate_fails_at_gate_hang_timeout_then_recovers(sshbed, tmp_path: Path) -> None:
    """SIGSTOP the gate mid-request: the connection is fine, the gate is silent."""
    hosts = {n: host_entry(sshbed, n) for n in ("h01", "h03")}
    ex = executor(tmp_path / "inv.json", hosts, gate_ping_interval=0.3, gate_hang_timeout=1.5)
    stopped: list[int] = []

    def on_event(ev) -> None:
        if isinstance(ev, OutputLine) and ev.host == "h03" and ev.text == "started" and not stopped:
            for pid in sshbed.gate_pids("h03"):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)

    argv = ["sh", "-c", "echo started; sleep 3; echo done"]
    try:
        res = await asyncio.wait_for(ex.run("all", "command", {"argv": argv}, on_event=on_event), 30)
        assert stopped
        assert res.results["h01"].status == "changed"
        r = res.results["h03"]
        assert r.error_kind == "gate_failed", r.result
        assert "gate on h03 stopped answering (nothing for 1.5s)" in r.msg, r.msg
        again = await asyncio.wait_for(ex.run("h03", "ping", {}), 30)  # a fresh gate
        assert again.results["h03"].status == "ok", again.results["h03"].result
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGKILL)
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        await ex.close()
