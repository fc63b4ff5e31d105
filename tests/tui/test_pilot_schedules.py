"""The Schedules view (issue 16): ``:schedule add`` stores a schedule checked like
``ftl-tui schedule add``, the view lists it with its next firing (fixed clock: fixed
time), ``p`` pauses and resumes, ``d`` removes after a question; and a console that owns
its state dir fires its schedules like the daemon (real clock, once a second).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from tuihelpers import ready, screen_text, wait_for

from ftltui.schedule.model import ScheduleBook
from ftltui.state import StateStore


def _inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.ini"
    path.write_text(f"[local]\nlocalhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    return path


async def test_add_list_pause_resume_remove(make_app: Any, tmp_path: Path) -> None:
    from ftltui.tui.screens.confirm import ConfirmScreen
    from ftltui.tui.screens.schedules import SchedulesScreen

    state = tmp_path / "state"
    app = make_app([str(_inventory(tmp_path))], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.run_command_line('schedule add "0 * * * *" --tz UTC run local -m ping')
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen))
        text = screen_text(app)
        # the fixed clock is 2023-11-14 22:13:20 UTC: the next full hour
        assert "2023-11-14 23:00:00 UTC" in text and "run local -m ping" in text and "active" in text
        assert "this console fires them" in text
        await pilot.press("p")
        await wait_for(pilot, lambda: "paused" in screen_text(app))
        await pilot.press("p")
        await wait_for(pilot, lambda: "active" in screen_text(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen) and "no schedules" in screen_text(app))
        # a bad expression or command is refused with the CLI's words, nothing stored
        app.run_command_line('schedule add "61 * * * *" run local -m ping')
        app.run_command_line('schedule add @hourly run local -m ping --state-dir /tmp')
        await pilot.press("escape")
        await pilot.pause()
    store = StateStore.open(state, readonly=True)
    try:
        assert ScheduleBook(store).all() == []
    finally:
        store.close()


async def test_a_console_that_owns_the_state_dir_fires_its_schedules(make_app: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    app = make_app([str(_inventory(tmp_path))], state_dir=state, clock=time.time)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.run_command_line('schedule add "* * * * * *" --tz UTC run local -m ping')  # every second
        await wait_for(pilot, lambda: any(j.state == "succeeded" for j in app.services.jobs.values()))
        app.run_command_line("schedule pause 1")
        await pilot.pause()
        job = min(app.services.jobs.values(), key=lambda j: j.id)
        assert job.kind == "run" and job.hosts == ["localhost"]
        await pilot.press("escape")
    store = StateStore.open(state, readonly=True)
    try:
        (sched,) = ScheduleBook(store).all()
        assert sched.paused and sched.last_job in app.services.jobs
    finally:
        store.close()
