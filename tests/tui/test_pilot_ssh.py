"""The console against the real sshd test bed: runs over SSH, live statuses, connections, jump route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tuihelpers import ready, screen_text, wait_for

pytestmark = pytest.mark.ssh
SIZE = (120, 40)


def _inventory(path: Path, bed: Any) -> Path:
    hosts = {n: bed.host_vars(n) for n in bed.hosts}
    all_vars = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}"}
    path.write_text(json.dumps({"all": {"vars": all_vars, "hosts": hosts}}))
    return path


async def test_run_on_every_bed_host_from_the_keyboard(sshbed, make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path / "inv.yml", sshbed))])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        n = len(sshbed.hosts)
        await pilot.press("space")  # the root: marks every host
        assert len(app.main.pane("inventory").marked) == n
        await pilot.press("r", *"command", "enter")
        await pilot.pause()
        await pilot.press(*"echo hi-from-$HOSTNAME-tui", "enter")
        await wait_for(pilot, lambda: app.services.jobs and all(
            j.state in ("succeeded", "failed", "dead") for j in app.services.jobs.values()), timeout=60)
        job = app.services.jobs[1]
        assert job.state == "succeeded", job.reason
        assert set(app.services.host_results(job).values()) == {"changed"}
        lines = app.main.pane("logs").main().lines
        assert sum(1 for ln in lines if " | hi-from-" in ln) == n
        assert app.services.connections_open()[0] >= n
        assert all(app.main.pane("inventory").status[h] == "changed" for h in sshbed.hosts)
        assert f"conns {app.services.connections_open()[0]}" in screen_text(app)


async def test_jump_route_shown_and_used(jumpbed, make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path / "inv.yml", jumpbed))])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        inner = [h for h in app.inventory.hosts.values() if h.jump_hosts]
        assert inner, "the jump bed has a host behind a bastion"
        app.run_command_line(f"run {inner[0].name} ping")
        await wait_for(pilot, lambda: app.services.jobs and all(
            j.state in ("succeeded", "failed", "dead") for j in app.services.jobs.values()), timeout=60)
        assert app.services.jobs[1].state == "succeeded", app.services.jobs[1].reason
        conns, tunnels = app.services.connections_open()
        assert conns >= 2 and tunnels >= 1
        await pilot.press("1")
        app.run_command_line(f"filter {inner[0].name}")
        await pilot.press("G")
        await pilot.pause()
        assert "route    via " in screen_text(app)
