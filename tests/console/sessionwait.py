"""Waiting for a console session's updates in the console-core tests (pauses, attached sessions)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def until_seen(seen: list[Any], pred: Callable[[Any], Any]) -> Any:
    """The first of ``seen`` (a list a session's subscriber appends to) that ``pred`` accepts,
    once one is there; fails after about 30 s (a guard against a hang, not a speed check)."""
    for _ in range(3000):
        for u in seen:
            if pred(u):
                return u
        await asyncio.sleep(0.01)
    raise AssertionError(f"never saw it; got {seen[-5:]}")
