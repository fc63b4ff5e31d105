"""An attached console's Schedules view works on the owner's schedules (issue 16 review).

The owner is a real ``ftl-tui daemon`` process; the console (pilot) attaches to it. Its
``:schedule add`` is the daemon's ``schedule.add`` (the attached console has no store to
write); the daemon fires the every-second schedule and the view shows the firing because
the daemon announces it on ``view.watch``; ``p`` pauses it in the daemon; a schedule added
by another client appears without a key press; ``d`` removes one in the daemon. The view
re-reads only when the schedules change: job updates (another client's runs) do not make
it re-read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_pilot_attach import INVENTORY, attached, client_run, daemon, job_state  # noqa: F401 - fixture
from tuihelpers import screen_text, wait_for

from ftltui.api.client import ApiClient


async def owner_schedules(state: Path) -> list[dict[str, Any]]:
    async with await ApiClient.connect(state) as client:
        result: list[dict[str, Any]] = await client.request("schedule.list")
        return result


async def test_an_attached_console_edits_and_sees_the_owners_schedules(
        make_app: Any, tmp_path: Path, daemon: Any) -> None:  # noqa: F811 - the fixture
    from ftltui.tui.screens.confirm import ConfirmScreen
    from ftltui.tui.screens.schedules import SchedulesScreen

    state = tmp_path / "state"
    app = make_app([INVENTORY], state_dir=state)
    async with app.run_test(size=(140, 40)) as pilot:
        await attached(pilot)
        app.run_command_line('schedule add "* * * * * *" --tz UTC run localhost -m ping')  # every second
        await wait_for(pilot, lambda: isinstance(app.screen, SchedulesScreen))
        assert not app.schedule_desk().firing  # the daemon fires, not this console
        (stored,) = await owner_schedules(state)
        assert stored["argv"] == ["run", "localhost", "-m", "ping"] and not stored["paused"]
        # the daemon's firing reaches the view (its notice on view.watch): LAST names the job
        await wait_for(pilot, lambda: " job " in screen_text(app), timeout=60)
        assert "fired by the owner" in screen_text(app)

        await pilot.press("p")
        await wait_for(pilot, lambda: "paused" in screen_text(app))
        assert [s["paused"] for s in await owner_schedules(state)] == [True]

        # job updates do not re-read the schedules: only their changes do
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        first = await client_run(state, "true")  # lets a firing in flight at the pause land first
        await wait_for(pilot, lambda: job_state(app, first) == "succeeded", timeout=60)
        await app.workers.wait_for_complete()
        reads: list[int] = []
        rows = screen._rows

        async def counted() -> Any:
            reads.append(1)
            return await rows()

        screen._rows = counted
        second = await client_run(state, "echo attached-schedules")
        await wait_for(pilot, lambda: job_state(app, second) == "succeeded", timeout=60)
        await pilot.pause()
        assert reads == []

        # another client's edit shows up by itself
        async with await ApiClient.connect(state) as client:
            await client.request("schedule.add", cron="@hourly", argv=["run", "localhost", "-m", "setup"], tz="UTC")
        await wait_for(pilot, lambda: "run localhost -m setup" in screen_text(app))
        assert reads

        await pilot.press("g", "d")  # the first row: schedule 1
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "run localhost -m ping" not in screen_text(app))
        assert [s["id"] for s in await owner_schedules(state)] == [2]
        await pilot.press("escape")
