"""Site workers (issue 17, review hR #3 #4 #7 #10): shards that run at once on one worker keep
their own hosts' variables and facts, a lapsed watch stops only new host starts, and a host's
start claim never waits behind the shard's queued output writes.

Real parts: the session's redis-server (password, Unix socket) and a :class:`SiteWorker` in this
process (its ``handle`` is the Celery task's body, run here from threads as Celery's thread pool
does), fed sealed tasks, so the interleavings can be staged exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sitebed import members, wait_for

from ftltui.sites.broker import Broker
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.wire import Keys, ShardHost, ShardTask
from ftltui.sites.worker import SiteWorker

SITE = "shards"  # no Celery worker serves it: only the in-process SiteWorker below
LOCAL = {"ansible_connection": "local"}


@pytest.fixture(scope="module")
def sealer(key_file: Path) -> Sealer:
    return Sealer(load_key(key_file))


@pytest.fixture(scope="module")
def worker(redis_server: Any, sealer: Sealer) -> Iterator[SiteWorker]:
    """One SiteWorker for the module, without its heartbeat thread (no test here needs it)."""
    w = SiteWorker(SITE, Broker(redis_server.url, "test"), sealer, concurrency=2)
    try:
        yield w
    finally:
        w.stop()


def _task(client: Any, job: str, hosts: list[ShardHost], module: str, args: dict[str, Any], *,
          forks: int = 1, **kw: Any) -> ShardTask:
    secs, usecs = client.time()
    task = ShardTask(job=job, attempt=1, site=SITE, run_id=job, module=module, args=args, hosts=hosts, forks=forks,
                     expires_at=secs + usecs / 1e6 + 120, patience=30.0, **kw)
    client.set(Keys.watch(task.shard), "1", ex=120)  # the owner follows the shard
    return task


def _start(worker: SiteWorker, sealer: Sealer, task: ShardTask) -> threading.Thread:
    t = threading.Thread(target=worker.handle, args=(sealer.seal(task.to_doc()),))
    t.start()
    return t


def _shard(worker: SiteWorker, task: ShardTask) -> Any:
    with worker._lock:
        return next((st for st in worker._shards.values() if st.task.shard == task.shard), None)


def test_concurrent_shards_of_two_jobs_keep_their_own_host_vars(tmp_path: Path, redis_server: Any, sealer: Sealer,
                                                                worker: SiteWorker) -> None:
    """Job A's shard (forks 1: a0 held at a gate, web1 waiting its turn) and, meanwhile, job B's
    shard on the same host web1 with other variables (a become password among them). When A's
    web1 runs it renders with A's variables: never B's marker, never B's become password."""
    out, gate = tmp_path / "out", tmp_path / "gate"
    cmd = (f"echo {{{{ inventory_hostname }}}}={{{{ marker }}}}:{{{{ ansible_become_password | default('none') }}}}"
           f" >> {out}; if [ {{{{ inventory_hostname }}}} = a0 ]; then while [ ! -e {gate} ]; do sleep 0.05; done; fi")
    client = redis_server.client()
    a = _task(client, "vars-a", [ShardHost("a0", {**LOCAL, "marker": "A"}), ShardHost("web1", {**LOCAL, "marker": "A"})],
              "shell", {"cmd": cmd})
    b = _task(client, "vars-b", [ShardHost("web1", {**LOCAL, "marker": "B", "ansible_become_password": "B-secret"})],
              "shell", {"cmd": cmd}, secrets=["B-secret"])
    ta = _start(worker, sealer, a)
    wait_for(lambda: out.exists() and "a0=A" in out.read_text(), "a0 running")
    tb = _start(worker, sealer, b)
    tb.join(60)
    assert not tb.is_alive()
    gate.touch()
    ta.join(60)
    assert not ta.is_alive()
    assert out.read_text().split() == ["a0=A:none", "web1=B:B-secret", "web1=A:none"]
    for task in (a, b):
        assert client.exists(Keys.done(task.shard)), task.shard


def test_a_shard_sees_only_the_facts_its_task_carries(tmp_path: Path, redis_server: Any, sealer: Sealer,
                                                      worker: SiteWorker) -> None:
    """Job A's ``template`` ships web1's facts; job B's, right after on the same warm worker, ships
    none: B renders without A's facts (they are not the worker's to keep)."""
    src = tmp_path / "t.j2"
    src.write_text("{{ ansible_facts.marker | default('no facts') }}\n")
    client = redis_server.client()
    web1 = ShardHost("web1", dict(LOCAL))
    for job, facts in (("facts-a", {"web1": {"ansible_marker": "from job A"}}), ("facts-b", {})):
        task = _task(client, job, [web1], "template", {"src": str(src), "dest": str(tmp_path / job)}, facts=facts)
        worker.handle(sealer.seal(task.to_doc()))
        assert client.exists(Keys.done(task.shard)), job
    assert (tmp_path / "facts-a").read_text() == "from job A\n"
    assert (tmp_path / "facts-b").read_text() == "no facts\n"


def test_a_lapsed_watch_stops_new_starts_but_lets_running_modules_finish(tmp_path: Path, redis_server: Any,
                                                                        sealer: Sealer, worker: SiteWorker) -> None:
    """Forks 2: u0 (held at its gate) and u1 run, u2 waits. The owner's watch lapses (a stalled
    owner loop). u1 ends, u2's start claim meets the lapsed watch: u2 does not start, but u0,
    part-way through its module, is not cut off: it ends and its result is written. The shard is
    not done (the owner sends it again for u2)."""
    out, gate0, gate1 = tmp_path / "out", tmp_path / "gate0", tmp_path / "gate1"
    host = "{{ inventory_hostname }}"
    cmd = (f"echo {host}-start >> {out}; if [ {host} = u0 ]; then while [ ! -e {gate0} ]; do sleep 0.05; done; fi; "
           f"if [ {host} = u1 ]; then while [ ! -e {gate1} ]; do sleep 0.05; done; fi; echo {host}-end >> {out}")
    client = redis_server.client()
    task = _task(client, "unwatched", [ShardHost(h, dict(LOCAL)) for h in ("u0", "u1", "u2")], "shell", {"cmd": cmd},
                 forks=2)
    keys = Keys(task.job, task.attempt)
    t = _start(worker, sealer, task)
    wait_for(lambda: out.exists() and {"u0-start", "u1-start"} <= set(out.read_text().split()), "u0 and u1 running")
    client.delete(Keys.watch(task.shard))  # the owner's loop stalled past the watch's expiry
    gate1.touch()
    wait_for(lambda: getattr(_shard(worker, task), "stop", None) == "unwatched", "u2's claim refused")
    gate0.touch()
    t.join(60)
    assert not t.is_alive()
    assert sorted(out.read_text().split()) == ["u0-end", "u0-start", "u1-end", "u1-start"]
    assert members(client, keys.started) == {"u0", "u1"}
    assert members(client, keys.finished) == {"u0", "u1"}  # u0's result was written, not dropped as cancelled
    assert not client.exists(Keys.done(task.shard))
    events = [sealer.open(fields[b"d"]) for _id, fields in client.xrange(keys.stream)]
    assert events[-1]["event"] == "ShardReleased" and events[-1]["why"] == "unwatched"  # the owner: not "lost"
    assert [e["result"]["status"] for e in events if e["event"] == "HostFinished"] == ["changed", "changed"]


def test_a_host_start_does_not_wait_behind_queued_output_writes(tmp_path: Path, redis_server: Any, sealer: Sealer,
                                                                worker: SiteWorker) -> None:
    """Forks 1: q0 runs; the shard's writer thread is then kept busy (a backlog of output to seal
    and write, staged as a writer that does not return). q0 ends, and q1 must start anyway: its
    start claim writes its own HostStarted entry, it needs no place in the writer's queue."""
    out, gate = tmp_path / "out", tmp_path / "gate"
    host = "{{ inventory_hostname }}"
    cmd = f"echo {host} >> {out}; if [ {host} = q0 ]; then while [ ! -e {gate} ]; do sleep 0.05; done; fi"
    client = redis_server.client()
    task = _task(client, "backlog", [ShardHost(h, dict(LOCAL)) for h in ("q0", "q1")], "shell", {"cmd": cmd})
    keys = Keys(task.job, task.attempt)
    t = _start(worker, sealer, task)
    wait_for(lambda: out.exists() and "q0" in out.read_text(), "q0 running")
    busy = threading.Event()
    st = _shard(worker, task)
    st.writer.submit(busy.wait, 120)
    try:
        gate.touch()
        wait_for(lambda: "q1" in out.read_text().split(), "q1 started while the writer was busy", timeout=30)
        assert members(client, keys.started) == {"q0", "q1"}
    finally:
        busy.set()
    t.join(60)
    assert not t.is_alive()
    assert members(client, keys.finished) == {"q0", "q1"} and client.exists(Keys.done(task.shard))


def test_the_shared_ssh_runner_resolves_each_shards_own_jump_hop() -> None:
    """Two shards at once on the worker's one SSH runner (the pool and gates they share), each
    with a host behind the jump host ``bastion``, which each job ships with its own user: each
    shard's chain goes through its own job's bastion (the runner reads the asking shard's
    inventory), whichever shard shipped its hosts last."""
    import asyncio

    from ftltui.sites.worker import _SHARD_INVENTORY, _Engine

    engine = _Engine(idle=600)

    def task(job: str, user: str) -> ShardTask:
        return ShardTask(job=job, attempt=1, site=SITE, run_id=job, module="ping", args={},
                         hosts=[ShardHost("t1", {"ansible_host": "192.0.2.10", "ftl_jump_hosts": "bastion"})],
                         jump_hosts=[ShardHost("bastion", {"ansible_host": "192.0.2.1", "ansible_user": user})])

    async def both() -> list[tuple[str, str]]:
        acquired = asyncio.Barrier(2)

        async def shard(t: ShardTask) -> tuple[str, str]:
            warm, _executor, inventory = await engine.acquire(t, t.hosts + t.jump_hosts)
            try:
                _SHARD_INVENTORY.set(inventory)
                await acquired.wait()  # both shards' hosts are known to the worker now
                hop, target = warm.runners["ssh"].chain(inventory.hosts["t1"])  # type: ignore[attr-defined]
                return hop.user, target.address
            finally:
                engine.release(warm)

        return list(await asyncio.gather(shard(task("hop-a", "alice")), shard(task("hop-b", "bob"))))

    try:
        assert engine.run(both()) == [("alice", "192.0.2.10"), ("bob", "192.0.2.10")]
    finally:
        engine.close()
