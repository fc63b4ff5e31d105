"""The job queue against a real store: retries, dead letter, cancel, keys, limits, recovery."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftltui.errors import StateError
from ftltui.jobs import IllegalTransition, JobQueue, RetryPolicy
from ftltui.jobs.archive import read_archive, request
from ftltui.jobs.model import check_transition
from ftltui.state import StateStore

from jobs_helpers import scripted

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


async def test_success_records_transitions_and_attempt(queue: JobQueue) -> None:
    seen = []
    queue.bus.subscribe(lambda e: seen.append((e.type, getattr(e, "transition", None))))
    job = await queue.enqueue("scripted", {"script": ["ok"]})
    job = await queue.wait(job.id)
    assert job.state == "succeeded"
    assert [h[0] for h in job.history] == ["queued", "running", "succeeded"]
    assert [s[0] for s in seen if s[1]] == ["JobQueued", "JobStarted", "JobSucceeded"]
    (att,) = queue.attempts(job.id)
    assert att["outcome"] == "ok" and att["ended"] >= att["started"]
    stored = queue.store.table("jobs").get(job.id)
    assert stored["state"] == "succeeded" and stored["owner"] is None


async def test_transient_retried_then_succeeds(queue: JobQueue) -> None:
    job = await queue.enqueue("scripted", {"script": ["transient", "transient", "ok"]}, retry=FAST)
    job = await queue.wait(job.id)
    assert job.state == "succeeded" and job.attempts == 3
    assert [h[0] for h in job.history].count("retry_wait") == 2
    assert [a["outcome"] for a in queue.attempts(job.id)] == ["error", "error", "ok"]


async def test_out_of_attempts_goes_dead_and_requeue_links(queue: JobQueue) -> None:
    job = await queue.wait((await queue.enqueue("scripted", {"script": ["transient"]}, retry=FAST)).id)
    assert job.state == "dead" and "gave up after 3 attempts (unreachable: host down)" in job.reason
    again = await queue.requeue(job.id)
    assert again.parent == job.id and again.id != job.id
    await queue.wait(again.id)
    await queue.discard(job.id)
    assert queue.get(job.id) is None
    assert read_archive(queue.store.archive_path("jobs"))[0]["id"] == job.id


async def test_permanent_failure_not_retried(queue: JobQueue) -> None:
    job = await queue.wait((await queue.enqueue("scripted", {"script": ["permanent", "ok"]}, retry=FAST)).id)
    assert job.state == "failed" and job.attempts == 1 and "auth_failed" in job.reason


async def test_cancel_running_queued_and_forced(queue: JobQueue) -> None:
    hang = await queue.enqueue("scripted", {"script": ["hang"]})
    stubborn = await queue.enqueue("scripted", {"script": ["stubborn"]})
    while queue.get(hang.id).state != "running" or queue.get(stubborn.id).state != "running":
        await asyncio.sleep(0.01)
    await queue.cancel(hang.id)
    assert queue.get(hang.id).state == "cancelled"
    assert queue.attempts(hang.id)[-1]["outcome"] == "cancelled"
    await queue.cancel(stubborn.id)
    s = queue.get(stubborn.id)
    assert s.state == "cancelled" and "forced" in s.reason
    queue.concurrency = 0  # nothing new starts
    waiting = await queue.enqueue("scripted", {})
    await queue.cancel(waiting.id)
    assert queue.get(waiting.id).state == "cancelled"


async def test_cancel_request_file_from_another_process(queue: JobQueue) -> None:
    job = await queue.enqueue("scripted", {"script": ["hang"]})
    while queue.get(job.id).state != "running":
        await asyncio.sleep(0.01)
    request(queue.store.path, "cancel", job.id)
    assert (await queue.wait(job.id)).state == "cancelled"


async def test_idempotency_key(queue: JobQueue) -> None:
    a = await queue.enqueue("scripted", {"script": ["ok"], "sleep": 0.05}, key="deploy")
    b = await queue.enqueue("scripted", {"script": ["ok"]}, key="deploy")
    assert a.id == b.id
    await queue.wait(a.id)
    c = await queue.enqueue("scripted", {"script": ["ok"]}, key="deploy")
    assert c.id != a.id  # a finished job frees its key


async def test_per_host_limit_and_priority(queue: JobQueue) -> None:
    order = []
    queue.bus.subscribe(lambda e: order.append(e.job_id) if e.type == "JobStarted" else None)
    queue.concurrency = 0
    low = await queue.enqueue("scripted", {"sleep": 0.02}, hosts=["web1"], priority=0)
    high = await queue.enqueue("scripted", {"sleep": 0.02}, hosts=["web1"], priority=5)
    queue.concurrency = 4
    queue._wake.set()
    await queue.drain()
    assert order == [high.id, low.id]
    starts = {j: queue.get(j).history[1][1] for j in (low.id, high.id)}
    ends = {j: queue.get(j).history[2][1] for j in (low.id, high.id)}
    assert starts[low.id] >= ends[high.id]  # per_host=1: never both on web1


def test_illegal_transition_raises() -> None:
    with pytest.raises(IllegalTransition):
        check_transition("succeeded", "running")
    with pytest.raises(IllegalTransition):
        check_transition("queued", "succeeded")


async def test_lost_jobs_recovered_on_start(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    store = StateStore.open(tmp_path)
    now = time.time()
    for attempts, max_attempts in ((1, 3), (3, 3)):
        jid = store.table("jobs").insert({
            "kind": "scripted", "spec": {"script": ["ok"]}, "state": "running", "attempts": attempts,
            "max_attempts": max_attempts, "history": [["queued", now, ""], ["running", now, ""]],
            "owner": {"pid": dead_pid, "start": 1.0, "heartbeat": now},
            "retry": {**FAST.to_doc(), "max_attempts": max_attempts}})
        store.table("attempts").insert({"job_id": jid, "number": attempts, "started": now,
                                        "pid": dead_pid, "pid_start": 1.0})
    q = JobQueue(store, heartbeat=0.05)
    q.register_kind("scripted", scripted)
    lost = []
    q.bus.subscribe(lambda e: lost.append(e.job_id) if e.type == "JobLost" else None)
    await q.start()
    await q.drain()
    assert lost == [1, 2]
    assert q.get(1).state == "succeeded" and q.attempts(1)[0]["outcome"] == "lost"
    assert q.get(2).state == "dead" and "lost" in q.get(2).reason
    await q.stop()
    store.close()


async def test_secret_args_never_stored(queue: JobQueue) -> None:
    seen = {}

    async def grab(job, ctx):
        seen["pw"] = ctx.spec["pw"]
        from ftltui.jobs import Outcome
        return Outcome("ok")

    queue.register_kind("grab", grab)
    job = await queue.enqueue("grab", {"pw": "s3cr3t-value"}, secrets=["s3cr3t-value"])
    await queue.wait(job.id)
    assert seen["pw"] == "s3cr3t-value"
    queue.store.checkpoint()
    for p in queue.store.path.rglob("*"):
        if p.is_file():
            assert b"s3cr3t-value" not in p.read_bytes(), p


async def test_purge_archives_old(queue: JobQueue) -> None:
    job = await queue.wait((await queue.enqueue("scripted", {})).id)
    assert await queue.purge(older_than=3600) == 0
    assert await queue.purge(older_than=-1) == 1
    assert queue.get(job.id) is None


async def test_requeue_active_refused(queue: JobQueue) -> None:
    job = await queue.enqueue("scripted", {"script": ["hang"]})
    with pytest.raises(StateError):
        await queue.requeue(job.id)
    await queue.cancel(job.id)


async def test_start_archives_beyond_retention(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path)
    q = JobQueue(store)
    await q.start()
    ids = [(await q.enqueue("noop", {})).id for _ in range(5)]
    await q.drain()
    await q.stop()
    q2 = JobQueue(store, retain_finished=2)
    await q2.start()
    assert [j.id for j in q2.list()] == ids[-2:]
    assert [d["id"] for d in read_archive(store.archive_path("jobs"))] == ids[:3]
    await q2.stop()
    store.close()
