"""A queue that stops (a console quitting, a daemon stopping) starts nothing more (hR
finding 5), keeps its queued jobs for the next owner (durable jobs: README), and cancels
only a foreground client's job that had not started (hR finding 19): that client exits
with its owner, so its job must not run later unattended, at a graceful stop or at the
recovery after an owner that died.

Before 6edfe74 a slot freed by cancelling the running job during ``stop`` started the
queued job while the engine was torn down (``failed: internal: AttributeError``); 6edfe74
then cancelled every queued job, throwing away queued work. Real queue, real store and
engine, a local host.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import enqueue_run, register_builtin
from ftltui.jobs.queue import DIED_QUEUED, STOPPED_QUEUED
from ftltui.state import StateStore


def _inventory(tmp_path: Path) -> str:
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    fin5-h:\n      ansible_connection: local\n")
    return str(path)


async def _queue(state: Path, inv: str, *, dispatch: bool = True) -> JobQueue:
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([inv])), concurrency=1, heartbeat=0.05)
    register_builtin(q)
    await q.start(dispatch=dispatch)
    return q


async def _close(q: JobQueue) -> None:
    await q.stop()
    await q.executor.close()
    q.store.close()


async def _running_first(q: JobQueue, marker: Path) -> int:
    """A job holding the one slot (its command runs on the host), so what follows waits."""
    started = asyncio.Event()
    q.bus.subscribe(lambda e: started.set() if getattr(getattr(e, "event", None), "type", "") == "HostStarted"
                    else None)
    first = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo first >> {marker}; sleep 60"})
    await asyncio.wait_for(started.wait(), 60)
    return first.id


async def test_stopping_starts_nothing_and_queued_jobs_run_at_the_next_start(tmp_path: Path) -> None:
    inv, state, marker = _inventory(tmp_path), tmp_path / "state", tmp_path / "marker"
    q = await _queue(state, inv)
    first = await _running_first(q, marker)
    second = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo second >> {marker}"})
    assert q.get(second.id).state == "queued"  # type: ignore[union-attr]
    await _close(q)
    b = StateStore.open(state, True)
    try:
        doc = b.table("jobs").get(second.id)
        assert doc is not None and (doc["state"], doc["attempts"]) == ("queued", 0)  # nothing started it
    finally:
        b.close()
    assert marker.read_text() == "first\n"

    q = await _queue(state, inv)  # the next owner runs what was queued
    try:
        done = await asyncio.wait_for(q.wait(second.id), 60)
        assert done.state == "succeeded", done.reason
        assert q.get(first).state == "cancelled"  # type: ignore[union-attr]
    finally:
        await _close(q)
    assert marker.read_text() == "first\nsecond\n"


async def test_a_foreground_clients_queued_job_is_cancelled_when_its_owner_stops(tmp_path: Path) -> None:
    inv, state, marker = _inventory(tmp_path), tmp_path / "state", tmp_path / "marker"
    q = await _queue(state, inv)
    await _running_first(q, marker)
    second = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo second >> {marker}"}, foreground=True)
    await _close(q)

    q = await _queue(state, inv)  # the next start: nothing left to run
    try:
        b = q.get(second.id)
        assert b is not None and (b.state, b.reason, b.attempts) == ("cancelled", STOPPED_QUEUED, 0)
        assert q.list(["queued", "running"]) == []
    finally:
        await _close(q)
    assert marker.read_text() == "first\n"


async def test_a_foreground_clients_queued_job_is_cancelled_at_recovery_after_its_owner_died(
        tmp_path: Path) -> None:
    """The owner died (no stop ran): the next owner's recovery cancels the foreground job
    (its client exited 1 when the connection broke) and runs the other queued one."""
    inv, state, marker = _inventory(tmp_path), tmp_path / "state", tmp_path / "marker"
    q = await _queue(state, inv, dispatch=False)  # queues, starts nothing
    fg = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo fg >> {marker}"}, foreground=True)
    other = await enqueue_run(q, "fin5-h", "shell", {"_raw_params": f"echo other >> {marker}"})
    q.store.flush()
    q.store.close()  # dies: no stop
    await q.executor.close()

    q = await _queue(state, inv)
    try:
        done = await asyncio.wait_for(q.wait(other.id), 60)
        assert done.state == "succeeded", done.reason
        a = q.get(fg.id)
        assert a is not None and (a.state, a.reason, a.attempts) == ("cancelled", DIED_QUEUED, 0)
    finally:
        await _close(q)
    assert marker.read_text() == "other\n"
