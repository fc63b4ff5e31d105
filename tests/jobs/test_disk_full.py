"""The queue on a full state disk: it survives, says so, stays true, and recovers.

Root only (mounts a 512 KiB tmpfs, unmounted lazily in a finally)."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest

from diskfill import fill

from ftltui.errors import StateError
from ftltui.jobs import JobQueue
from ftltui.jobs.model import OK, Job, Outcome
from ftltui.state import StateStore





def _fill_all(disk: Path, store: StateStore) -> None:
    """Fill the disk, then the slack in the journal's last page (a page is allocated
    whole: small records would still fit there), so every later commit fails."""
    fill(disk)
    pad = store.table("padding")
    for size in (3000, 1000, 300, 100, 30, 1):
        try:
            while True:
                pad.insert({"p": "p" * size})
        except StateError:
            pass


def _durable_state(state: Path, job_id: int) -> str:
    """What a crash now would leave (a reader replays the journal)."""
    return StateStore.open(state, readonly=True).table("jobs").get(job_id)["state"]


async def test_a_final_transition_that_fails_on_a_full_disk_does_not_kill_the_queue(small_disk: Path) -> None:
    state = small_disk / "state"
    store = StateStore.open(state)
    q = JobQueue(store, concurrency=1, storage_retry=0.05)
    loop_errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: loop_errors.append(ctx))
    events: list[Any] = []
    q.bus.subscribe(events.append)
    filled = asyncio.Event()
    space_back = asyncio.Event()

    async def fills_the_disk(job: Job, ctx: Any) -> Outcome:
        _fill_all(small_disk, store)
        filled.set()
        return Outcome(OK, message="done")

    q.register_kind("fills", fills_the_disk)
    await q.start()
    try:
        first = await q.enqueue("fills", {})
        second = await q.enqueue("noop", {})  # waits for the one worker: its start fails too
        await filled.wait()
        while not any(e.type == "QueueError" and e.job_id == second.id for e in events):
            await asyncio.sleep(0.01)
        errors = [e for e in events if e.type == "QueueError"]
        assert {e.job_id for e in errors} == {first.id, second.id}, errors
        assert all("No space left on device" in e.message and e.retrying for e in errors), errors
        # in memory = on disk: the outcome was not recorded, the start was not either
        assert q.get(first.id).state == "running" == _durable_state(state, first.id)
        assert q.get(second.id).state == "queued" == _durable_state(state, second.id)
        assert len([e for e in events if e.type == "QueueError"]) == 2  # retries do not repeat it
        (small_disk / "filler").unlink()
        space_back.set()
        done = await asyncio.wait_for(q.wait(first.id), 30)
        assert done.state == "succeeded" and (await asyncio.wait_for(q.wait(second.id), 30)).state == "succeeded"
        third = await q.enqueue("noop", {})
        assert (await asyncio.wait_for(q.wait(third.id), 30)).state == "succeeded"
    finally:
        await q.stop()
        store.close()
    gc.collect()
    assert loop_errors == [], loop_errors  # e.g. "Task exception was never retrieved"
    view = StateStore.open(state, readonly=True)
    assert [view.table("jobs").get(i)["state"] for i in (first.id, second.id, third.id)] == ["succeeded"] * 3
    attempts = sorted((a["job_id"], a["number"], a["outcome"]) for a in view.table("attempts").all())
    assert attempts == [(first.id, 1, "ok"), (second.id, 1, "ok"), (third.id, 1, "ok")]


async def test_a_failed_enqueue_leaves_no_job_behind(small_disk: Path) -> None:
    store = StateStore.open(small_disk / "state")
    q = JobQueue(store)
    await q.start(dispatch=False)
    try:
        _fill_all(small_disk, store)
        with pytest.raises(StateError):
            await q.enqueue("noop", {}, key="k1")
        assert q.list() == [] and q._jobs == {} and q._keys == {}
        (small_disk / "filler").unlink()
        job = await q.enqueue("noop", {}, key="k1")  # the key is free: a new job, not a ghost
        assert [j.id for j in q.list()] == [job.id]
    finally:
        await q.stop()
        store.close()
