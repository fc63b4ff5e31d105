"""The console core's schedules (issue 16): ScheduleDesk rows, guarded edits and the
owner's firing loop, on a real session and state dir, real clock (once a second).

A writable owner session fires an every-second schedule as a job and tells its
subscribers; once the inventory says ``ftl_tui_readonly`` the next firing is refused and
recorded as the schedule's error (no job); a read-only session lists the schedules but
neither edits nor fires them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.console import ConsoleSession
from ftltui.console.guard import Guard, ReadOnlyRefusal
from ftltui.console.schedules import ScheduleDesk, SchedulesChanged
from ftltui.inventory import load_inventory

INVENTORY = """\
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: python3
{extra}
  hosts:
    h1: {{}}
"""


def _inventory(path: Path, extra: str = "") -> Path:
    path.write_text(INVENTORY.format(extra=extra))
    return path


async def _until(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """A guard against a hang, not a speed check."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "condition not reached in time"
        await asyncio.sleep(0.05)


def test_an_owner_session_fires_and_stops_when_it_becomes_readonly(tmp_path: Path) -> None:
    async def main() -> None:
        session = ConsoleSession(tmp_path / "state")
        await session.open()
        session.set_inventory(load_inventory([str(_inventory(tmp_path / "inv.yml"))]))
        desk = ScheduleDesk(session)
        seen: list[SchedulesChanged] = []
        desk.subscribe(seen.append)
        try:
            sched = await desk.add("* * * * * *", ["run", "h1", "-m", "ping"], tz="UTC")
            (row,) = await desk.rows()
            assert row.command == "run h1 -m ping" and row.state == "active"
            assert desk.start() and desk.firing
            await _until(lambda: any(j.state == "succeeded" for j in session.jobs.values()))
            assert any(c.reason == f"schedule {sched.id} fired" for c in seen)
            fired = len(session.jobs)
            session.set_inventory(load_inventory([str(_inventory(tmp_path / "ro.yml", "    ftl_tui_readonly: true"))]))
            await _until(lambda: "read-only" in desk.book.get(sched.id).last_error)
            await asyncio.sleep(1.5)  # a firing or two later: still no new job
            assert len(session.jobs) == fired
            assert "read-only" in (await desk.rows())[0].last
        finally:
            await desk.stop()
            await session.close()

    asyncio.run(main())


def test_a_readonly_session_lists_but_neither_edits_nor_fires(tmp_path: Path) -> None:
    async def main() -> None:
        writer = ConsoleSession(tmp_path / "state")
        await writer.open()
        await ScheduleDesk(writer).add("@hourly", ["run", "all", "-m", "ping"], tz="UTC")
        await writer.close()

        session = ConsoleSession(tmp_path / "state", guard=Guard(readonly=True), clock=lambda: 1_700_000_000.0)
        await session.open()
        desk = ScheduleDesk(session)
        try:
            (row,) = await desk.rows()
            assert row.id == 1 and row.command == "run all -m ping"
            assert not desk.start() and not desk.firing
            for attempt in (lambda: desk.add("@daily", ["run", "all", "-m", "ping"]), lambda: desk.remove(1),
                            lambda: desk.set_paused(1, True), lambda: desk.set_paused(1, False)):
                with pytest.raises(ReadOnlyRefusal):
                    await attempt()
            assert [r.state for r in await desk.rows()] == ["active"]
        finally:
            await session.close()

    asyncio.run(main())
