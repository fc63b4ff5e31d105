"""An owner's hub and a session's schedule desk die with their owner (issue 16 review
hQ #9): they were kept in global weak maps whose values pointed back at their keys, so
every session (its queue, store and engine) of a console take-over stayed reachable."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from ftltui.api.view_operations import ViewOperations
from ftltui.api.view_stream import hub_of
from ftltui.console import ConsoleSession
from ftltui.console.schedules import ScheduleDesk, desk_of


def test_a_sessions_schedule_desk_does_not_keep_it_alive(tmp_path: Path) -> None:
    session = ConsoleSession(tmp_path / "state")
    desk = ScheduleDesk.of(session)
    assert ScheduleDesk.of(session) is desk and desk_of(session) is desk  # one desk per session
    gone = weakref.ref(session)
    del session, desk
    gc.collect()
    assert gone() is None


def test_an_owners_view_hub_does_not_keep_it_alive() -> None:
    ops = ViewOperations()
    hub = hub_of(ops)
    assert hub_of(ops) is hub  # one hub per owner
    gone = weakref.ref(ops)
    del ops, hub
    gc.collect()
    assert gone() is None
