"""A queue that stops (a console quitting, a daemon stopping) starts nothing more and
cancels its queued jobs, so none runs later unattended (hR findings 5 and 19).

Before: a slot freed by cancelling the running job during ``stop`` started the queued
job while the engine was being torn down (``failed: internal: AttributeError``), or the
queued job stayed queued and ran at the next start with nobody watching. Real queue,
real store and engine, a local host.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import enqueue_run, register_builtin
from ftltui.jobs.queue import STOPPED_QUEUED
from ftltui.state import StateStore


def _inventory(tmp_path: Path) -> str:
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    fin5-h:\n      ansible_connection: local\n")
    return str(path)


async def _queue(state: Path, inv: str) -> JobQueue:
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([inv])), concurrency=1, heartbeat=0.05)
    register_builtin(q)
    await q.start()
    return q


async def test_stopping_cancels_queued_jobs_and_starts_none(tmp_path: Path) -> None:
    inv, state, marker = _inventory(tmp_path), tmp_path / "state", tmp_path / "marker"
    q = await _queue(state, inv)
    started = asyncio.Event()
    q.bus.subscribe(lambda e: started.set() if getattr(getattr(e, "event", None), "type", "") == "HostStarted"
                    else None)
    first = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo first >> {marker}; sleep 60"})
    second = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo second >> {marker}"})
    await asyncio.wait_for(started.wait(), 60)
    assert q.get(second.id).state == "queued"  # type: ignore[union-attr]
    await q.stop()
    await q.executor.close()
    q.store.close()

    q = await _queue(state, inv)  # the next start: nothing left to run
    try:
        a, b = q.get(first.id), q.get(second.id)
        assert a is not None and b is not None
        assert a.state == "cancelled", a.reason
        assert (b.state, b.reason, b.attempts) == ("cancelled", STOPPED_QUEUED, 0)
        assert q.list(["queued", "running"]) == []
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()
    assert marker.read_text() == "first\n"
