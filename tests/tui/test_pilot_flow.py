"""The must-show flow with the keyboard alone, against the real engine on localhost:
mark hosts -> run a module -> watch the log -> see the job succeed -> scan drift -> open the diff.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import drift_after_change, jobs_finished, ready, screen_text, wait_for

from ftltui.tui.screens.drift_host import DriftHostScreen
from ftltui.tui.screens.run_form import RunFormScreen

SIZE = (120, 40)


def _drift_config(state: Path, watched: Path) -> None:
    state.mkdir(parents=True, exist_ok=True)
    (state / "drift.yml").write_text(
        f"paths: [{watched}]\ndefault_paths: false\nsections: [files]\n", encoding="utf-8")


async def test_mark_run_watch_succeed_scan_diff(make_app, tmp_path: Path) -> None:
    state = tmp_path / "state"
    watched = tmp_path / "app.conf"
    watched.write_text("port = 8080\nworkers = 4\n", encoding="utf-8")
    _drift_config(state, watched)
    app = make_app(state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        # mark localhost (2 lines down the tree) and open the run form
        await pilot.press("j", "j", "space")
        assert app.main.pane("inventory").marked == {"localhost"}
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RunFormScreen)
        await pilot.press(*"shell", "enter")
        await pilot.pause()
        assert app.screen.module == "shell" and app.screen.error is not None  # cmd missing: invalid
        await pilot.press(*"echo hello-from-tui; echo oops >&2", "enter")
        await wait_for(pilot, lambda: jobs_finished(app, 1))
        # the log shows host-prefixed stdout and stderr, and the job result
        lines = list(app.main.pane("logs").main().lines)
        assert "localhost | hello-from-tui" in lines and "localhost ! oops" in lines
        assert any("job 1 succeeded" in ln for ln in lines)
        assert app.main.current == "logs"
        await pilot.press("4")
        job = app.services.jobs[1]
        assert job.state == "succeeded" and app.services.host_results(job) == {"localhost": "changed"}
        assert str(app.main.pane("jobs").main().get_cell("1", "state")) == "succeeded"
        assert app.main.pane("inventory").status["localhost"] == "changed"
        # drift: scan, change the file, scan again, open the host, see the diff
        pane = await drift_after_change(pilot, watched, "port = 9090\nworkers = 4\n")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DriftHostScreen)
        changed = [c for c in app.screen.changes if str(watched) in c.id]
        assert changed and "+port = 9090" in changed[0].diff
        shown = screen_text(app)
        assert "9090" in shown and "8080" in shown  # before/after on screen
        # pin the baseline from the drill-down, then accept: the drift disappears
        await pilot.press("escape", "a", "y")
        await wait_for(pilot, lambda: pane.rows.get("localhost", {}).get("total", 1) == 0)
        assert (state / "drift.ignore").exists()
