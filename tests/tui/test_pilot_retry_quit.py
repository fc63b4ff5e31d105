"""Quitting the console with a job queued (hR finding 5): the dialog counts the queued job
and says it will not run later; on ``y`` it ends ``cancelled`` (not ``failed: internal:
AttributeError``, not run at the next start). Real app through the pilot, real state dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuihelpers import ready, screen_text, wait_for

from ftltui.jobs.queue import STOPPED_QUEUED
from ftltui.state import StateStore


async def test_quit_with_a_queued_job_says_so_and_cancels_it(make_app: Any, tmp_path: Path) -> None:
    from ftltui.tui.app import QuitScreen

    state = tmp_path / "state"
    app = make_app(state_dir=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert app.services.queue is not None
        app.services.queue.concurrency = 1  # one job at a time: the second one waits
        app.run_command_line("run localhost shell sleep 30")
        await wait_for(pilot, lambda: getattr(app.services.jobs.get(1), "state", "") == "running")
        app.run_command_line("run localhost shell echo second")
        await wait_for(pilot, lambda: getattr(app.services.jobs.get(2), "state", "") == "queued")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        text = screen_text(app)
        assert "1 job(s) still running and 1 queued" in text and "do not run later" in text, text
        await pilot.press("y")
    store = StateStore.open(state, True)
    try:
        second = store.table("jobs").get(2)
        assert second is not None
        assert (second["state"], second["reason"], second["attempts"]) == ("cancelled", STOPPED_QUEUED, 0)
    finally:
        store.close()
