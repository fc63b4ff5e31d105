"""Helpers for the schedule tests (a module of its own: ``conftest`` is not importable by
name when the whole suite runs, several directories have one)."""

from __future__ import annotations

import asyncio
import heapq


class FakeClock:
    """``now()`` moves only when a test calls :meth:`set`/:meth:`advance`; sleepers wake then."""

    def __init__(self, now: float) -> None:
        self.t = now
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._n = 0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._n += 1
        heapq.heappush(self._sleepers, (self.t + seconds, self._n, fut))
        await fut

    def sleeping_until(self) -> list[float]:
        return sorted(d for d, _, f in self._sleepers if not f.done())

    async def set(self, now: float) -> None:
        self.t = now
        while self._sleepers and self._sleepers[0][0] <= now:
            fut = heapq.heappop(self._sleepers)[2]
            if not fut.done():
                fut.set_result(None)
        for _ in range(20):  # let the woken tasks run up to their next await on the clock
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        await self.set(self.t + seconds)


async def drift_queue(state: object, inventory: object) -> object:
    """A started job queue on ``state`` with the run and drift-scan kinds, its engine on
    ``inventory`` (the notification tests' owner)."""
    from pathlib import Path

    from ftltui.drift import jobs as drift_jobs
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory
    from ftltui.jobs import JobQueue
    from ftltui.jobs.kinds import register_builtin
    from ftltui.state import StateStore

    q = JobQueue(StateStore.open(Path(str(state))), executor=Executor(load_inventory([str(inventory)])),
                 heartbeat=0.05)
    register_builtin(q)
    drift_jobs.register(q)
    await q.start()
    return q
