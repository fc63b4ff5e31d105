"""Snapshots of the READ-ONLY header and of the Schedules view, at 80x24 and 120x40
(issue 16). Fixed clock: the schedules' next firings are fixed times."""

from __future__ import annotations

from typing import Any

from tuihelpers import ready

from ftltui.console.guard import Guard

SMALL, LARGE = (80, 24), (120, 40)


async def _readonly(pilot: Any) -> None:
    await ready(pilot)
    pilot.app.refresh_header()
    await pilot.pause()


def test_readonly_header_small(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(guard=Guard(readonly=True)), run_before=_readonly, terminal_size=SMALL)


def test_readonly_header_large(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(guard=Guard(readonly=True)), run_before=_readonly, terminal_size=LARGE)


async def _schedules(pilot: Any) -> None:
    await ready(pilot)
    desk = pilot.app.schedule_desk()
    await desk.add("0 * * * *", ["run", "web", "-m", "ping"], tz="UTC")
    await desk.add("30 2 * * mon-fri", ["drift", "scan", "all"], tz="Europe/Berlin", misfire="skip")
    paused = await desk.add("@daily", ["run", "db", "-m", "command", "-a", "uptime"], tz="UTC")
    await desk.set_paused(paused.id, True)
    pilot.app.run_command_line("schedule")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()  # the view reads its rows in a worker
    await pilot.pause()
    await pilot.press("j")
    await pilot.pause()


def test_schedules_view_small(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), run_before=_schedules, terminal_size=SMALL)


def test_schedules_view_large(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), run_before=_schedules, terminal_size=LARGE)
