"""A read-only session refuses the pause operations in the console core itself (review
finding 3 of hQ2): the owner's own pause bar calls ``session.pauses`` directly, so the
API's refusal of ``pause.*`` to clients is not enough. A real, opened session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftltui.console import ConsoleSession
from ftltui.console.guard import Guard, ReadOnlyRefusal
from ftltui.console.pauses import NoPause


async def test_a_readonly_session_refuses_every_pause_op(tmp_path: Path) -> None:
    async with ConsoleSession(tmp_path / "state", guard=Guard(readonly=True), dispatch=False) as session:
        desk = session.pauses
        for op in (lambda: desk.answer(1, "x"), lambda: desk.continue_early(1),
                   lambda: desk.abort(1), lambda: desk.hold(1)):
            with pytest.raises(ReadOnlyRefusal, match="read-only"):
                await op()
    async with ConsoleSession(tmp_path / "state2", dispatch=False) as writable:
        with pytest.raises(NoPause):  # a writable session gets as far as looking for the pause
            await writable.pauses.abort(1)
