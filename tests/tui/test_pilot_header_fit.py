"""The header keeps to one row at 80x24, so the pane tabs stay on screen while a job runs.

A long inventory name, host counters and 'jobs running' wrapped the header's first row onto
the second, where the pane tabs were (hR finding 8: attached consoles, or any console with a
few status counters, lost '1 Inventory  2 Logs  3 Drift  4 Jobs' exactly while a job ran).
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import ready, screen_text, wait_for

HOSTS = "\n".join(f"host-{i} ansible_connection=local" for i in range(1, 4)) + "\n"


async def test_the_pane_tabs_stay_on_screen_at_80x24_while_a_job_runs(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "a-rather-long-inventory-file-name-for-one-row-of-header.ini"
    inv.write_text("[web]\n" + HOSTS)
    app = make_app([str(inv)])
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.run_command_line("run all shell sleep 30")
        await wait_for(pilot, lambda: app.services.running() == 1 and "running 3" in screen_text(app))
        app.flush_events()
        await pilot.pause()
        rows = screen_text(app).splitlines()
        assert "jobs running 1" in rows[0], rows[:2]  # what matters most is still on the first row
        assert "1 Inventory" in rows[1] and "4 Jobs" in rows[1], rows[:2]
        assert "…" in rows[0]  # the inventory's name gave way
        for job in list(app.services.jobs):
            await app.services.cancel(job)
