"""Hostile gate peers: a "python" on the host that speaks the gate protocol badly.

Each case fails that host only, with a clear GateFailed, within the configured
timeouts, while a healthy host in the same run succeeds. See docs/gate-protocol.md.
"""

from __future__ import annotations

import asyncio
import os
import stat
import tempfile
from pathlib import Path

import pytest

from conftest import bed_inventory
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory

pytestmark = pytest.mark.ssh

FAKE = Path(__file__).with_name("fake_gate.py").read_text()
QUICK = {"gate_hello_timeout": 2.0, "gate_ping_interval": 0.5, "gate_hang_timeout": 2.0}


@pytest.fixture(scope="module")
def fake_dir():
    d = tempfile.mkdtemp(prefix="ftl-fakegate-")  # readable by the bed's login user
    os.chmod(d, 0o755)
    yield Path(d)
    for f in Path(d).iterdir():
        f.unlink()
    os.rmdir(d)


def _fake(fake_dir: Path, behaviour: str) -> str:
    path = fake_dir / f"python-{behaviour}"
    path.write_text("#!/usr/bin/python3\n" + FAKE.replace('BEHAVIOUR = "silent"', f'BEHAVIOUR = "{behaviour}"'))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IROTH)
    return str(path)


async def _run_pair(sshbed, tmp_path, fake_dir, behaviour: str, module: str = "ping", args=None, **run_kw):
    inv = bed_inventory(tmp_path / "inv.json", sshbed, ["h01", "h02"],
                        {"h02": {"ansible_python_interpreter": _fake(fake_dir, behaviour)}})
    ex = Executor(load_inventory([str(inv)]), ssh_options=QUICK)
    try:
        return await asyncio.wait_for(ex.run("all", module, args or {}, **run_kw), 60)
    finally:
        await ex.close()


START_FAILURES = {
    "silent": "did not say hello within 2s",
    "garbage": "could not start",
    "oversized": "exceeds the",
    "truncated": "did not say hello within 2s",
    "unknown_hello": "unknown protocol",
    "not_json": "not JSON",
    "stderr_flood_exit": "exited at start (status 1)",
}


@pytest.mark.parametrize("behaviour", sorted(START_FAILURES))
async def test_bad_gate_start_fails_that_host_only(sshbed, tmp_path, fake_dir, behaviour) -> None:
    res = await _run_pair(sshbed, tmp_path, fake_dir, behaviour)
    assert res.results["h01"].status == "ok", res.results["h01"].result
    bad = res.results["h02"]
    assert bad.status == "failed" and bad.error_kind == "gate_failed", bad.result
    assert "h02" in bad.msg and START_FAILURES[behaviour] in bad.msg, bad.msg
    assert len(bad.msg) < 1000


RUN_FAILURES = {
    "mute_after_hello": "stopped answering",
    "junk_after_hello": "corrupt frame",
    "bad_id": "malformed 'result' message",
    "bad_result": "malformed 'result' message",
    "error_null_id": "gate exploded",
}


@pytest.mark.parametrize("behaviour", sorted(RUN_FAILURES))
async def test_bad_gate_replies_fail_that_host_only(sshbed, tmp_path, fake_dir, behaviour) -> None:
    res = await _run_pair(sshbed, tmp_path, fake_dir, behaviour)
    assert res.results["h01"].status == "ok"
    bad = res.results["h02"]
    assert bad.error_kind == "gate_failed", bad.result
    assert "gate on h02" in bad.msg and RUN_FAILURES[behaviour] in bad.msg, bad.msg


async def test_bad_base64_in_a_download_fails_the_fetch(sshbed, tmp_path, fake_dir) -> None:
    from ftltui.engine.ssh import SshRunner
    from ftltui.errors import GateFailed
    from ftltui.inventory.model import Host

    host = Host("h02", dict(sshbed.host_vars("h02"), ansible_python_interpreter=_fake(fake_dir, "bad_base64"),
                            ansible_ssh_common_args=f"-o UserKnownHostsFile={sshbed.known_hosts}"))
    runner = SshRunner(**QUICK)
    try:
        with pytest.raises(GateFailed, match="malformed 'chunk' message"):
            await asyncio.wait_for(runner.get_file(host, "/etc/hostname", str(tmp_path / "got")), 30)
    finally:
        await runner.close()
    assert not (tmp_path / "got").exists() and not (tmp_path / "got.ftl-part").exists()


async def test_gate_alive_but_never_finishing_is_stopped_by_the_task_timeout(sshbed, tmp_path, fake_dir) -> None:
    """Pongs keep the watchdog happy; only the per-host timeout ends the run, escaped output shown raw-free."""
    res = await _run_pair(sshbed, tmp_path, fake_dir, "unknown_type", timeout=3)
    assert res.results["h01"].status == "ok"
    bad = res.results["h02"]
    assert bad.status == "failed" and bad.error_kind == "timeout" and "timed out after 3s" in bad.msg
