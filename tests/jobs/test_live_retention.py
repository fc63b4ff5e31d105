"""Issue 16: the queue archives finished jobs while it runs, not only when it starts.

A daemon runs for months; a schedule firing every minute adds 1,440 jobs a day. These
tests run a real queue on a real store on disk with a small ``retain_finished`` and
check that the live store stays bounded without a restart, that nothing is lost (live +
archive = every job, once), that only finished jobs move, and that each move is
announced as ``JobsArchived``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator

import pytest

from ftltui.jobs import JobQueue
from ftltui.jobs import model as m
from ftltui.jobs.archive import read_archive
from ftltui.jobs.events import JobsArchived
from ftltui.state import StateStore

from jobs_helpers import scripted

RETAIN = 5


@pytest.fixture
async def small_queue(tmp_path: Path) -> AsyncIterator[JobQueue]:
    store = StateStore.open(tmp_path / "state")
    q = JobQueue(store, concurrency=2, per_host=1, grace=0.2, heartbeat=0.05,
                 retain_finished=RETAIN, archive_every=0.0)
    q.register_kind("scripted", scripted)
    await q.start()
    yield q
    await q.stop()
    store.close()


async def settle(q: JobQueue) -> None:
    """Until a move the last job end started has finished (the queue runs it in the background)."""
    while q._archiver is not None and not q._archiver.done():
        await asyncio.gather(q._archiver, return_exceptions=True)


def state_of(q: JobQueue, job_id: int) -> str:
    job = q.get(job_id)
    assert job is not None
    return job.state


def live_ids(q: JobQueue) -> list[int]:
    return [d.doc_id for d in q.store.table("jobs").all()]


async def test_live_store_stays_bounded_while_running(small_queue: JobQueue) -> None:
    q = small_queue
    announced: list[int] = []
    q.bus.subscribe(lambda e: announced.extend(e.ids) if isinstance(e, JobsArchived) else None)
    ids = []
    for n in range(30):
        job = await q.enqueue("noop", {})
        ids.append(job.id)
        assert (await q.wait(job.id)).state == m.SUCCEEDED
        await settle(q)
        # every job end checks (archive_every=0): the live store holds the newest RETAIN finished jobs
        assert live_ids(q) == ids[-RETAIN:], n
        assert not q._jobs  # the queue's memory holds active jobs only
    archived = [d["id"] for d in read_archive(q.store.archive_path("jobs"))]
    assert archived == ids[:-RETAIN]  # oldest first, each once: nothing lost, nothing twice
    assert announced == archived
    assert not q.store.table("attempts").search(lambda a: a["job_id"] in set(archived))
    first = read_archive(q.store.archive_path("jobs"))[0]
    assert first["state"] == m.SUCCEEDED and len(first["attempt_records"]) == 1


async def test_active_and_retrying_jobs_are_never_archived(small_queue: JobQueue) -> None:
    q = small_queue
    hanging = await q.enqueue("scripted", {"script": ["hang"]}, hosts=["h1"])
    from ftltui.jobs.retry import RetryPolicy

    waiting = await q.enqueue("scripted", {"script": ["transient"]}, hosts=["h2"],
                              retry=RetryPolicy(max_attempts=3, base_delay=60.0, jitter=0.0))
    while state_of(q, waiting.id) != m.RETRY_WAIT:  # failed once; its retry is a minute away
        await asyncio.sleep(0.01)
    for _ in range(3 * RETAIN):
        await q.wait((await q.enqueue("noop", {})).id)
        await settle(q)
    assert state_of(q, waiting.id) == m.RETRY_WAIT  # not finished: never archived
    assert state_of(q, hanging.id) == m.RUNNING
    live = live_ids(q)
    assert hanging.id in live and waiting.id in live
    assert len(live) == RETAIN + 2
    archived = {d["id"] for d in read_archive(q.store.archive_path("jobs"))}
    assert hanging.id not in archived and waiting.id not in archived
    await q.cancel(hanging.id)
    await q.cancel(waiting.id)


async def test_jobs_older_than_retention_move_at_a_heartbeat(small_queue: JobQueue) -> None:
    """No job ends: the heartbeat finds the finished jobs past ``retain_seconds``."""
    q = small_queue
    ids = [(await q.enqueue("noop", {})).id for _ in range(3)]
    await q.drain()
    await settle(q)
    assert live_ids(q) == ids  # fewer than RETAIN, none old: all stay
    moved = asyncio.Event()
    q.bus.subscribe(lambda e: moved.set() if isinstance(e, JobsArchived) else None)
    q.retain_seconds = 0.0  # from now on every finished job is past the cutoff
    await asyncio.wait_for(moved.wait(), 30)  # a deadline, not a measurement
    await settle(q)
    assert live_ids(q) == []
    assert [d["id"] for d in read_archive(q.store.archive_path("jobs"))] == ids


async def test_purge_and_background_move_do_not_archive_twice(small_queue: JobQueue) -> None:
    q = small_queue
    ids = [(await q.enqueue("noop", {})).id for _ in range(RETAIN)]
    await q.drain()
    await settle(q)
    assert await q.purge(older_than=0) == RETAIN
    await q.wait((await q.enqueue("noop", {})).id)
    await settle(q)
    assert [d["id"] for d in read_archive(q.store.archive_path("jobs"))] == ids
    assert q._finished_live == 1  # the counter follows purges too


def test_find_archived_reads_the_last_whole_copy(tmp_path: Path) -> None:
    """A crash between the append and the removal leaves two copies; the daemon may be
    writing the last line as ``jobs show`` reads it."""
    from ftltui.jobs.archive import append_archive, find_archived

    path = tmp_path / "jobs.jsonl"
    append_archive(path, [{"id": 1, "state": "failed"}, {"id": 12, "state": "dead"}, {"id": 1, "state": "succeeded"}])
    with open(path, "ab") as fh:
        fh.write(b'{"id": 1, "state": "canc')  # half written
    assert find_archived(path, 1) == {"id": 1, "state": "succeeded"}
    assert find_archived(path, 12) == {"id": 12, "state": "dead"}
    assert find_archived(path, 2) is None and find_archived(tmp_path / "none.jsonl", 1) is None


def test_a_torn_line_then_another_append_loses_no_job(tmp_path: Path) -> None:
    """A crash mid-append tears the last line; its jobs stay in the live store and the
    next move appends them again. Before, that append glued onto the torn line
    (``{"id": 2, "sta{"id": 2, ...}``): job 2 was found nowhere, and ``read_archive``
    stopped there, hiding every later job too."""
    from ftltui.jobs.archive import append_archive, find_archived, read_archive

    path = tmp_path / "jobs.jsonl"
    append_archive(path, [{"id": 1, "state": "succeeded"}])
    with open(path, "ab") as fh:
        fh.write(b'{"id": 2, "sta')  # the crash
    append_archive(path, [{"id": 2, "state": "failed"}, {"id": 3, "state": "succeeded"}])
    assert find_archived(path, 2) == {"id": 2, "state": "failed"}
    assert [d["id"] for d in read_archive(path)] == [1, 2, 3]
