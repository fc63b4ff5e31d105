"""Helpers shared by the console tests (imported by name: tests/tui is on sys.path)."""

from __future__ import annotations

from typing import Any, Callable


async def ready(pilot: Any) -> None:
    """Wait until the inventory is loaded and the screen settled."""
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        if app.inventory is not None or app.inventory_error:
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Let the app run until ``predicate()`` holds (no timed assertion: fails only on timeout)."""
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
    await pilot.pause()
