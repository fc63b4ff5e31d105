"""The console-core tests' owner (a real session serving its API) and waiting for its updates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ftltui.api.server import ApiServer
from ftltui.api.session_server import serve_session
from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory


async def serving_owner(state: Path, sources: Sequence[str]) -> tuple[ConsoleSession, list[Any], ApiServer]:
    """An open owner session on ``state`` serving its API (attached consoles reach it), the
    list its updates are appended to, and its server; the test closes both."""
    owner = ConsoleSession(state, inventory=load_inventory(list(sources)))
    seen: list[Any] = []
    owner.subscribe(seen.append)
    await owner.open()
    server = await serve_session(owner, sources)
    assert server is not None
    return owner, seen, server


async def until_seen(seen: list[Any], pred: Callable[[Any], Any]) -> Any:
    """The first of ``seen`` (a list a session's subscriber appends to) that ``pred`` accepts,
    once one is there; fails after about 30 s (a guard against a hang, not a speed check)."""
    for _ in range(3000):
        for u in seen:
            if pred(u):
                return u
        await asyncio.sleep(0.01)
    raise AssertionError(f"never saw it; got {seen[-5:]}")
