"""Redis stopped mid-run, then started again (issue 17): the open shard fails clearly (the
message names the broker, never its password), the job's TinyDB state stays readable, and
the next job on the same site runs once Redis is back. This module has its own
redis-server (``own_redis``), which it stops and starts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs.kinds import enqueue_run, register_builtin
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.settings import SiteSettings
from ftltui.state import StateStore

from sitebed import PASSWORD

ONCE = RetryPolicy(max_attempts=1)


async def test_redis_stopped_mid_run_fails_the_shard_clearly_then_work_resumes(
        tmp_path: Path, own_redis: Any, own_key: Path, own_workers: Any) -> None:
    redis_server, key_file, workers = own_redis, own_key, own_workers
    gate, out = tmp_path / "gate", tmp_path / "out"
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_connection: local\n    ftl_site: west\n"
                   "  hosts:\n    w1: {}\n    w2: {}\n")
    inventory = load_inventory([str(inv)])
    workers.start("west")
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=40,
                                broker_grace=2.0)
    ex = Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher)])
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=ex, heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        cmd = f"echo {{{{ inventory_hostname }}}} >> {out}; while [ ! -e {gate} ]; do sleep 0.05; done"
        first = await enqueue_run(q, "all", "shell", {"cmd": cmd}, retry=ONCE)
        for _ in range(400):  # both hosts running on the worker
            if out.exists() and len(out.read_text().split()) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(out.read_text().split()) == 2, workers.log_text()[-2000:]
        redis_server.stop()
        first = await asyncio.wait_for(q.wait(first.id), 30)
        redis_server.start()
        gate.touch()
        assert first.state in ("failed", "dead"), first.reason
        per_host = q.store.table("jobs").get(first.id)["per_host"]
        for host in ("w1", "w2"):
            r = per_host[host]["attempts"][-1]
            assert r["status"] == "failed" and r["error_kind"] == "lost", r
            assert r["msg"].startswith(f"site west: broker redis+socket://:***@{redis_server.socket} "
                                                 "unreachable"), r
        # Redis is back: the next job on the same site runs (the worker reconnected by itself)
        second = await asyncio.wait_for(q.wait((await enqueue_run(q, "all", "command", {"argv": ["true"]},
                                                                  retry=ONCE)).id), 60)
        assert second.state == "succeeded", (second.reason, workers.log_text()[-3000:])
    finally:
        await q.stop()
        await ex.close()
        q.store.close()
    store = StateStore.open(tmp_path / "state")  # the state is whole: both jobs readable, as they ended
    try:
        jobs = {n: store.table("jobs").get(n) for n in (first.id, second.id)}
    finally:
        store.close()
    assert jobs[first.id]["state"] == first.state and jobs[second.id]["state"] == "succeeded"
    assert PASSWORD not in repr(jobs)
    assert PASSWORD not in workers.log_text()


async def test_a_task_queued_when_the_owner_gave_up_in_an_outage_never_runs(
        tmp_path: Path, own_redis: Any, own_key: Path, own_workers: Any) -> None:
    """No worker of site 'tardy' yet; the task waits in the queue when Redis stops. The owner
    gives up after its grace (it cannot close the shard: Redis is away) and reports the host.
    Redis comes back with the task (appendonly) and a worker of the site starts: it must drop
    the task (the owner's watch on the shard lapsed), never run the host the owner reported."""
    import time

    redis_server, key_file, workers = own_redis, own_key, own_workers
    marker = tmp_path / "ran"
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: tardy}\n  hosts: {t1: {}}\n")
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=60,
                                broker_grace=1.0)
    ex = Executor(load_inventory([str(inv)]), placements=[SitePlacement(SiteSettings(), dispatcher)])
    try:
        run = asyncio.create_task(ex.run("t1", "shell", {"cmd": f"touch {marker}"}))
        client = redis_server.client()
        for _ in range(400):  # the task is in the site's queue
            if client.llen("ftl-site.tardy"):
                break
            await asyncio.sleep(0.05)
        assert client.llen("ftl-site.tardy") == 1
        redis_server.stop()
        res = await asyncio.wait_for(run, 60)
    finally:
        await ex.close()
    r = res.results["t1"]
    assert r.status == "failed" and r.error_kind == "lost" and "unreachable" in r.msg, r.result
    redis_server.start()
    assert redis_server.client().llen("ftl-site.tardy") == 1  # the task survived the restart
    workers.start("tardy")
    deadline = time.monotonic() + 60
    while "dropped" not in workers.log_text() and not marker.exists():  # the worker meets the task
        assert time.monotonic() < deadline, workers.log_text()[-2000:]
        await asyncio.sleep(0.05)
    assert not marker.exists()
    assert "shard " in workers.log_text() and "is no longer followed by its owner: dropped" in workers.log_text()
