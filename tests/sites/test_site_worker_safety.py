"""Site workers (issue 17, review): a worker never starts a host it no longer may, late copies of
a task run nothing, Redis writes stay off the engine's loop, controller files travel with the
task, the engine stays warm across shards, and ``-f`` reaches the worker.

Real parts: the session's redis-server (password, Unix socket), real ``ftl-tui worker``
processes, and for the worker's own rules a :class:`SiteWorker` in this process (its
``handle`` is the Celery task's body) fed sealed tasks, so a stalled heartbeat or a
reconnecting worker can be staged exactly.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sitebed import members, wait_for

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.sites.broker import Broker
from ftltui.sites.dispatch import SiteDispatcher
from ftltui.sites.placement import SitePlacement
from ftltui.sites.seal import Sealer, load_key
from ftltui.sites.settings import SiteSettings
from ftltui.sites.wire import Keys, ShardHost, ShardTask
from ftltui.sites.worker import SiteWorker

SITE = "inproc"  # no Celery worker serves it: only the in-process SiteWorker below


@pytest.fixture(scope="module")
def sealer(key_file: Path) -> Sealer:
    return Sealer(load_key(key_file))


@pytest.fixture(scope="module")
def inproc(redis_server: Any, sealer: Sealer) -> Iterator[SiteWorker]:
    """A SiteWorker in this process, without its heartbeat thread (a stalled heartbeat)."""
    worker = SiteWorker(SITE, Broker(redis_server.url, "test"), sealer)
    try:
        yield worker
    finally:
        worker.stop()


def _task(client: Any, job: str, hosts: list[str], cmd: str, *, forks: int = 1, expires_in: float = 120.0,
          watch: bool = True) -> ShardTask:
    secs, usecs = client.time()
    task = ShardTask(job=job, attempt=1, site=SITE, run_id=job, module="shell", args={"cmd": cmd},
                     hosts=[ShardHost(h, {"ansible_connection": "local"}, []) for h in hosts], forks=forks,
                     expires_at=secs + usecs / 1e6 + expires_in, patience=30.0)
    if watch:  # the owner follows the shard (it renews this while it does)
        client.set(Keys.watch(task.shard), "1", ex=120)
    return task


def test_a_worker_whose_lease_lapsed_starts_no_further_host(tmp_path: Path, redis_server: Any, sealer: Sealer,
                                                           inproc: SiteWorker) -> None:
    """Forks 1: s0 runs (held at a gate), s1 waits its turn. Meanwhile the worker's heartbeat is
    stalled (not running), its lease lapses and a redelivered copy's worker takes it. When s0
    ends, s1 must not start here (its start claim checks the lease in Redis): s1 is the new
    holder's; s0's result (it started under a valid claim) is kept, and the shard is not done."""
    out, gate = tmp_path / "appends", tmp_path / "gate"
    client = redis_server.client()
    host = "{{ inventory_hostname }}"
    task = _task(client, "lapse", ["s0", "s1"],
                 f"echo {host} >> {out}; if [ {host} = s0 ]; then while [ ! -e {gate} ]; do sleep 0.05; done; fi")
    t = threading.Thread(target=inproc.handle, args=(sealer.seal(task.to_doc()),))
    t.start()
    wait_for(lambda: out.exists() and "s0" in out.read_text(), "s0 running")
    client.set(Keys.lease(task.shard), "another-worker:4242", px=120_000)  # lapsed, then claimed elsewhere
    gate.touch()
    t.join(60)
    assert not t.is_alive()
    keys = Keys(task.job, task.attempt)
    assert out.read_text().split() == ["s0"]  # s1 never ran on the worker that lost the lease
    assert members(client, keys.started) == {"s0"} and members(client, keys.finished) == {"s0"}
    assert not client.exists(Keys.done(task.shard))  # not this worker's to finish
    assert client.get(Keys.lease(task.shard)) == b"another-worker:4242"  # and the new holder's lease stays


def test_a_late_copy_runs_nothing_after_its_deadline_or_once_the_owner_stopped_watching(
        tmp_path: Path, redis_server: Any, sealer: Sealer, inproc: SiteWorker, caplog: pytest.LogCaptureFixture) -> None:
    """A task still queued when its owner gave up (Redis was down, so the owner could not close
    it) reaches a worker later: past its sealed deadline, or with the owner's watch lapsed, it is
    dropped. The same task inside both runs (the control)."""
    client = redis_server.client()
    caplog.set_level(logging.INFO, logger="ftltui.sites.worker")
    for job, kw in (("late-expired", {"expires_in": -1.0}), ("late-unwatched", {"watch": False}), ("late-ok", {})):
        marker = tmp_path / job
        task = _task(client, job, ["t0"], f"touch {marker}", **kw)
        inproc.handle(sealer.seal(task.to_doc()))
        assert marker.exists() == (job == "late-ok"), job
        assert bool(client.exists(Keys.done(task.shard))) == (job == "late-ok")
        assert not client.exists(Keys.lease(task.shard))
    assert "shard late-expired:1:inproc expired (the owner's pickup deadline passed): dropped" in caplog.text
    assert "shard late-unwatched:1:inproc is no longer followed by its owner: dropped" in caplog.text


def test_redis_writes_do_not_block_the_engine_loop(tmp_path: Path, redis_server: Any, sealer: Sealer,
                                                   inproc: SiteWorker) -> None:
    """Writes paused in Redis (CLIENT PAUSE WRITE): the host's result is waiting to be written,
    yet the engine's loop runs on (a coroutine scheduled on it completes), since writes happen
    on the shard's writer thread; once Redis takes writes again the result lands."""
    flag, gate = tmp_path / "running", tmp_path / "gate"
    client = redis_server.client()
    task = _task(client, "paused", ["p0"], f"touch {flag}; while [ ! -e {gate} ]; do sleep 0.05; done; echo done")
    keys = Keys(task.job, task.attempt)
    t = threading.Thread(target=inproc.handle, args=(sealer.seal(task.to_doc()),))
    t.start()
    wait_for(flag.exists, "p0 running")
    client.execute_command("CLIENT", "PAUSE", "30000", "WRITE")
    try:
        gate.touch()

        async def host_ended() -> bool:  # runs on the engine's loop: it must not be blocked
            st = next(st for st in inproc._shards.values() if st.task.shard == task.shard)
            while st.runs:
                await asyncio.sleep(0.02)
            return True

        ended = asyncio.run_coroutine_threadsafe(host_ended(), inproc.engine.loop)
        assert ended.result(timeout=25)
        assert members(client, keys.finished) == set()  # its result is still waiting for Redis
    finally:
        client.execute_command("CLIENT", "UNPAUSE")
    t.join(60)
    assert members(client, keys.finished) == {"p0"} and client.exists(Keys.done(task.shard))


def _site_executor(redis_server: Any, key_file: Path, inv: Path, **kw: Any) -> Executor:
    dispatcher = SiteDispatcher(Broker(redis_server.url, "test"), Sealer(load_key(key_file)), pickup_timeout=60)
    inventory = load_inventory([str(inv)])
    return Executor(inventory, placements=[SitePlacement(SiteSettings(), dispatcher, inventory=lambda: inventory)],
                    **kw)


async def test_copy_and_template_sources_are_read_on_the_owner(tmp_path: Path, redis_server: Any, key_file: Path,
                                                               east: Any) -> None:
    """``copy src=`` and ``template src=`` relative to the owner's base dir (a playbook's
    directory): the worker, elsewhere, gets the files' content in the task, a directory's tree
    too; a missing src fails before dispatch, naming the owner's path."""
    book = tmp_path / "book"
    (book / "files").mkdir(parents=True)
    (book / "templates").mkdir()
    (book / "files" / "app.conf").write_text("shipped from the owner\n")
    (book / "files" / "app.conf").chmod(0o640)
    (book / "files" / "sub").mkdir()
    (book / "files" / "sub" / "deep.txt").write_text("deep\n")
    (book / "templates" / "motd.j2").write_text("hello {{ inventory_hostname }} from {{ greeting }}\n")
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: east, greeting: the owner}\n"
                   "  hosts: {c1: {}}\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    ex = _site_executor(redis_server, key_file, inv, base_dir=str(book))
    try:
        copied = await ex.run("c1", "copy", {"src": "files/app.conf", "dest": str(dest / "app.conf"),
                                             "mode": "preserve"})
        templated = await ex.run("c1", "template", {"src": "templates/motd.j2", "dest": str(dest / "motd")})
        tree = await ex.run("c1", "copy", {"src": "files/", "dest": str(dest / "tree")})
        missing = await ex.run("c1", "copy", {"src": "files/none.conf", "dest": str(dest / "none")})
    finally:
        await ex.close()
    assert copied.results["c1"].status == "changed", copied.results["c1"].result
    assert (dest / "app.conf").read_text() == "shipped from the owner\n"
    assert (dest / "app.conf").stat().st_mode & 0o777 == 0o640
    assert templated.results["c1"].status == "changed", templated.results["c1"].result
    assert (dest / "motd").read_text() == "hello c1 from the owner\n"
    assert tree.results["c1"].status == "changed", tree.results["c1"].result
    assert (dest / "tree" / "app.conf").read_text() == "shipped from the owner\n"
    assert (dest / "tree" / "sub" / "deep.txt").read_text() == "deep\n"
    r = missing.results["c1"]
    assert r.status == "failed" and f"source {book}/files/none.conf not found on the controller" in r.msg, r.result


async def test_a_second_job_reuses_the_workers_warm_executor(tmp_path: Path, redis_server: Any, key_file: Path,
                                                            east: Any) -> None:
    """Two jobs (two owners' executors, one after the other) on a become host of site east: the
    module's parent is the worker's gate process, and it is the same one both times (the
    worker's executor, with its gates and connections, outlived the first shard)."""
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local, ftl_site: east, ansible_become: true,"
                   " ansible_become_user: nobody}\n  hosts: {w1: {}}\n")
    gates = []
    for _ in range(2):
        ex = _site_executor(redis_server, key_file, inv)
        try:
            res = await ex.run("w1", "shell", {"cmd": "echo $PPID $(id -un)"})
        finally:
            await ex.close()
        r = res.results["w1"]
        assert r.status == "changed", r.result
        gates.append(r.result["stdout"].split())
    assert gates[0][1] == gates[1][1] == "nobody"
    assert gates[0][0] == gates[1][0]  # the same gate served both jobs


def test_forks_reach_the_site_worker(tmp_path: Path, redis_server: Any, key_file: Path, east: Any,
                                     capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``ftl-tui run -f 1`` on three site hosts: the worker runs them one after another (each
    host's start and end are adjacent in the shared log), not all at once."""
    from ftltui.cli import main

    log = tmp_path / "order"
    inv = tmp_path / "hosts.ini"
    inv.write_text("[all:vars]\nansible_connection=local\nftl_site=east\n\n[all]\nf1\nf2\nf3\n")
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text(f"[ftl_sites]\nkey_file = {key_file}\n")
    monkeypatch.setenv("FTL_TUI_BROKER", redis_server.url)
    monkeypatch.setenv("ANSIBLE_CONFIG", str(cfg))
    cmd = f"echo start-{{{{ inventory_hostname }}}} >> {log}; sleep 0.3; echo end-{{{{ inventory_hostname }}}} >> {log}"
    code = main(["run", "all", "-m", "shell", "-a", cmd, "-i", str(inv), "-f", "1", "--state-dir", str(tmp_path / "s")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    lines = log.read_text().split()
    assert len(lines) == 6 and all(lines[i].split("-")[1] == lines[i + 1].split("-")[1] for i in range(0, 6, 2)), lines


def test_an_idle_warm_executor_is_closed(tmp_path: Path, redis_server: Any, sealer: Sealer,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """The warm executor outlives a shard only for the worker's idle bound: then it is closed
    (connections and gates released), and the next shard makes a new one."""
    caplog.set_level(logging.INFO, logger="ftltui.sites.worker")
    worker = SiteWorker(SITE, Broker(redis_server.url, "test"), sealer, warm_idle=0.4)
    try:
        client = redis_server.client()
        for n in range(2):
            marker = tmp_path / f"idle{n}"
            worker.handle(sealer.seal(_task(client, f"idle{n}", ["i0"], f"touch {marker}").to_doc()))
            assert marker.exists()
            wait_for(lambda: not worker.engine.warm, "the idle executor closed")
    finally:
        worker.stop()
    assert caplog.text.count("closing an executor idle for") == 2  # one per shard: the second made a new one
