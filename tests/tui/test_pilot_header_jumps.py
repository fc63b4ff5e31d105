"""The header's connection count says what its parenthesis counts (hD finding 8).

``conns 7 (2 via jump hosts)`` read as "2 connections made through jump hosts" while the 2
was the number of connections to jump hosts that carry tunnels
(``Executor.connection_stats``); on the jump bed 3 connections went through them. The
header now says ``(2 to jump hosts)``, and keeps to one row at 80 columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_pilot_ssh import _inventory
from tuihelpers import ready, screen_text, wait_for

pytestmark = pytest.mark.ssh


async def test_the_header_says_its_connections_to_jump_hosts(jumpbed, make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path / "inv.yml", jumpbed))])
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert any(h.jump_hosts for h in app.inventory.hosts.values()), "the jump bed has hosts behind a bastion"
        app.run_command_line("run all ping")
        await wait_for(pilot, lambda: app.services.jobs and all(
            j.state in ("succeeded", "failed", "dead") for j in app.services.jobs.values()), timeout=60)
        assert app.services.jobs[1].state == "succeeded", app.services.jobs[1].reason
        conns, tunnels = app.services.connections_open()
        assert tunnels >= 1
        app.refresh_header()
        await pilot.pause()
        row = screen_text(app).splitlines()[0]
        said = f"({tunnels} to jump hosts)" if tunnels > 1 else "(1 to a jump host)"
        assert f"conns {conns} {said}" in row, row
        assert "via jump" not in row and "jobs running 0" in row, row  # one row, nothing cropped
