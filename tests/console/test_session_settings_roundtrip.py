"""The settings a face gave its session reach an attached session and a take-over's owner
by name, every field (review finding 8 of hQ2: ``forks`` and ``concurrency`` are both
ints, passed by position they would swap silently if the record's fields were reordered);
an attached session builds one pause desk, its owner's, subscribed once."""

from __future__ import annotations

from pathlib import Path

from ftltui.console import ConsoleSession
from ftltui.console.guard import Guard
from ftltui.console.pauses import OwnerPauseDesk
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.console.session_settings import SessionSettings


def _clock() -> float:
    return 42.0


def test_every_setting_reaches_the_attached_session_and_the_new_owner(tmp_path: Path) -> None:
    guard = Guard(readonly=True)
    face = ConsoleSession(tmp_path, clock=_clock, forks=3, concurrency=7, var_defaults={"a": 1},
                          ssh_options={"port": 2222}, roles_path=("r",), collections_paths=("c",), guard=guard)
    attached = RemoteConsoleSession.like(face)
    owner = attached.owner_session()
    want = SessionSettings.of(face)
    assert (want.forks, want.concurrency, want.clock, want.guard) == (3, 7, _clock, guard)
    for session in (attached, owner):
        assert SessionSettings.of(session) == want
    assert isinstance(attached.pauses, OwnerPauseDesk)
    hooks = [h for h in [*attached._own_handlers, *attached._subscribers] if getattr(h, "__self__", None) is not None
             and getattr(h, "__name__", "") == "on_update" and hasattr(h.__self__, "pauser")]
    assert [h.__self__ for h in hooks] == [attached.pauses]  # the owner's desk only, once
    assert type(owner.pauses) is not OwnerPauseDesk
