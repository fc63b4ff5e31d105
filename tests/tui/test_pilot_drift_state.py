"""The Drift pane tells what is stored and what could not be scanned (issue 12, defect 8).

Real parts only: the real app through the pilot, the real engine on localhost, a real
state directory reopened by a second app, and a real unreachable SSH host (127.0.0.1 on
a port this test checked is closed).
"""

from __future__ import annotations

import stat
from pathlib import Path

import yaml
from netutil import closed_port
from tuihelpers import drift_after_change, jobs_finished, ready, screen_text, wait_for

SIZE = (120, 40)


def setup(tmp_path: Path, *, unreachable: bool = False) -> tuple[Path, Path]:
    """An inventory (localhost, plus far1 on a closed port) and a state dir watching one file."""
    state = tmp_path / "state"
    state.mkdir()
    watched = tmp_path / "app.conf"
    watched.write_text("port = 8080\n", encoding="utf-8")
    (state / "drift.yml").write_text(f"paths: [{watched}]\ndefault_paths: false\nsections: [files]\n")
    hosts: dict = {"localhost": {"ansible_connection": "local"}}
    if unreachable:
        hosts["far1"] = {"ansible_host": "127.0.0.1", "ansible_port": closed_port(), "ansible_user": "nobody",
                         "ansible_timeout": 2,
                         "ansible_ssh_common_args": f"-o UserKnownHostsFile={tmp_path}/known_hosts"}
    inv = tmp_path / "inv.yml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    return inv, state


async def test_pane_shows_stored_scans_after_a_restart(make_app, tmp_path: Path) -> None:
    inv, state = setup(tmp_path)
    app = make_app([str(inv)], state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"drift scan localhost", "enter")
        await wait_for(pilot, lambda: jobs_finished(app, 1))
        pane = app.main.pane("drift")
        await wait_for(pilot, lambda: "localhost" in pane.rows)

    again = make_app([str(inv)], state_dir=state)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        pane = again.main.pane("drift")
        await wait_for(pilot, lambda: "localhost" in pane.rows, timeout=20)
        shown = screen_text(again)
        assert "no scan yet" not in shown
        assert "localhost" in shown and "first snapshot" in shown


async def test_pane_lists_a_host_that_could_not_be_scanned(make_app, tmp_path: Path) -> None:
    inv, state = setup(tmp_path, unreachable=True)
    app = make_app([str(inv)], state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"drift scan all", "enter")
        await wait_for(pilot, lambda: jobs_finished(app, 1))
        await pilot.press("3")
        pane = app.main.pane("drift")
        await wait_for(pilot, lambda: {"localhost", "far1"} <= set(pane.rows))
        assert pane.rows["far1"]["problem"].startswith("scan failed: unreachable:")
        assert "problem" not in pane.rows["localhost"]
        shown = screen_text(app)
        far_row = next(ln for ln in shown.splitlines() if "far1" in ln and "scan failed" in ln)
        assert "unreachable" in far_row
        assert "1 host(s) scanned" in shown and "1 could not be scanned (far1)" in shown
        # the drill-down says why, instead of an empty "no drift"
        table = pane.main()
        table.move_cursor(row=table.get_row_index("far1"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DriftHostScreen")
        shown = screen_text(app)
        assert "far1: could not be scanned at" in shown and "connection refused" in shown
        assert "no drift known (see above)" in shown


async def test_accepting_in_the_console_creates_a_private_ignore_file(make_app, tmp_path: Path) -> None:
    inv, state = setup(tmp_path)
    watched = tmp_path / "app.conf"
    app = make_app([str(inv)], state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = await drift_after_change(pilot, watched, "port = 9090\n")
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: pane.rows.get("localhost", {}).get("total", 1) == 0)
    ignore = state / "drift.ignore"
    assert stat.S_IMODE(ignore.stat().st_mode) == 0o600 and "accepted" in ignore.read_text()


async def test_a_drift_refresh_replaced_before_it_starts_leaves_no_coroutine_unawaited(make_app) -> None:
    """refresh_drift twice in one turn: the exclusive worker group cancels the first before it
    runs. Handed a coroutine object, that one was never awaited (a RuntimeWarning on stderr,
    seen in every full test run)."""
    import gc
    import warnings

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for _ in range(3):
                app.refresh_drift()
            await pilot.pause()
            gc.collect()
        assert not [w for w in seen if "never awaited" in str(w.message)]
