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
