"""The worker side: open a shard task, run it with the same engine, stream the events back.

A worker claims a shard with a lease in Redis (``SET NX`` with a short expiry, renewed
by its heartbeat thread while the shard runs). A second copy of the task (the owner's
redelivery, or Celery's after its visibility timeout) finds the lease held, or the
shard done, and drops itself. Before a host runs, its name goes into the attempt's
``started`` set, in the same transaction as its ``HostStarted`` entry; its result goes
into the stream in the same transaction as its name into ``finished``. A redelivered
shard therefore knows, per host: finished (skip it: the owner has or will have its
result), started but never finished (its worker died while the module ran: re-run only
if the module is idempotent, else report it ``lost``, the project's retry rule), or
not started (run it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
from typing import Any

from ftltui.engine.events import Event, HostFinished, HostResult, HostStarted, OutputLine, Warning_
from ftltui.sites.broker import Broker
from ftltui.sites.seal import Refused, Sealer
from ftltui.sites.wire import (
    KEEP_SECONDS,
    LEASE_SECONDS,
    REFUSED_KEY,
    WORKER_KEY,
    Keys,
    ShardHost,
    ShardTask,
    encode_event,
)

log = logging.getLogger("ftltui.sites.worker")
HEARTBEAT_SECONDS = 1.0
HEARTBEAT_TTL = 15
PUSH_PATIENCE = 60.0  # how long a worker keeps retrying a stream write while Redis is away
LOST_MSG = "worker lost while the module ran: not run again (the command may have run; re-run it explicitly)"


class SiteWorker:
    """One ``ftl-tui worker`` process: its site, its Redis connection, the shards it runs."""

    def __init__(self, site: str, broker: Broker, sealer: Sealer, *, concurrency: int = 1) -> None:
        import redis

        self.site = site
        self.broker = broker
        self.sealer = sealer
        self.concurrency = concurrency
        self.hostname = socket.gethostname()
        self.name = f"{self.hostname}:{os.getpid()}"
        self.redis = redis.Redis.from_url(broker.redis_url(), socket_timeout=10, socket_connect_timeout=5)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._running: dict[str, list[str]] = {}  # shard -> its hosts
        self._engines: dict[str, tuple[asyncio.AbstractEventLoop, Any]] = {}  # shard -> its loop and Executor
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._started_at = time.time()

    # -- heartbeat and leases -------------------------------------------------------------
    def start_heartbeat(self) -> threading.Thread:
        t = threading.Thread(target=self._heartbeat_loop, name="ftl-site-heartbeat", daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stop.set()
        try:
            self.redis.delete(self._worker_key)
        except self._errors:
            pass

    @property
    def _worker_key(self) -> str:
        return f"{WORKER_KEY}{self.site}:{self.name}"

    def heartbeat(self) -> None:
        """Say we are alive (what ``ftl-tui workers`` lists) and renew our shards' leases."""
        with self._lock:
            running = {s: list(h) for s, h in self._running.items()}
        doc = {"site": self.site, "hostname": self.hostname, "pid": os.getpid(), "ts": time.time(),
               "since": self._started_at, "concurrency": self.concurrency,
               "shards": [{"shard": s, "hosts": len(h)} for s, h in running.items()]}
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self._worker_key, json.dumps(doc), ex=HEARTBEAT_TTL)
        for shard in running:  # renew only a lease that is still ours (never another worker's)
            pipe.eval(_RENEW_IF_OURS, 1, Keys.lease(shard), self.name, int(LEASE_SECONDS * 1000))
            pipe.get(Keys.cancel(shard))
        replies = pipe.execute()
        for shard, renewed, mode in zip(running, replies[1::2], replies[2::2]):
            if mode:
                self._cancel(shard, fail_fast=_text(mode) == "fail_fast")
            elif not renewed:  # it lapsed (a stalled heartbeat): the owner may deliver it again; stop here
                log.warning("shard %s: lease lost; stopping its hosts (the owner redelivers the shard)", shard)
                self._cancel(shard, fail_fast=False)

    def _cancel(self, shard: str, *, fail_fast: bool) -> None:
        """The owner asked to stop ``shard``: cancel its runs in their own loop (hosts end cancelled)."""
        with self._lock:
            engine = self._engines.get(shard)
        if engine is None:
            return
        loop, ex = engine

        def stop() -> None:
            for run_id in ex.active_runs:
                ex.cancel(run_id, fail_fast=fail_fast)

        log.info("shard %s: stopping on the owner's request (%s)", shard, "fail_fast" if fail_fast else "cancel")
        loop.call_soon_threadsafe(stop)

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.heartbeat()
            except self._errors as exc:
                log.warning("heartbeat to broker %s failed: %s", self.broker.shown, type(exc).__name__)
            self._stop.wait(HEARTBEAT_SECONDS)

    # -- one task -------------------------------------------------------------------------
    def handle(self, token: str) -> None:
        """The Celery task's body: refuse, drop a duplicate, or run the shard."""
        try:
            task = ShardTask.from_doc(self.sealer.open(token))
        except (Refused, TypeError, KeyError) as exc:
            log.warning("refused a task: it %s", exc if isinstance(exc, Refused) else "is not a shard task")
            self._count_refused()
            return
        if task.site != self.site:
            log.warning("refused shard %s: it is for site %r, this worker serves %r", task.shard, task.site,
                        self.site)
            self._count_refused()
            return
        lease = Keys.lease(task.shard)
        if self.redis.exists(Keys.done(task.shard)):
            log.info("shard %s is done already: dropped this copy (delivery %d)", task.shard, task.delivery)
            return
        if self.redis.exists(Keys.cancel(task.shard)):
            log.info("shard %s was cancelled before it started: dropped", task.shard)
            return
        if not self.redis.set(lease, self.name, nx=True, px=int(LEASE_SECONDS * 1000)):
            log.info("shard %s is held by %s: dropped this copy", task.shard, self._get(lease))
            return
        with self._lock:
            self._running[task.shard] = [h.name for h in task.hosts]
        try:
            self._run_shard(task)
        finally:
            with self._lock:
                self._running.pop(task.shard, None)
            try:
                if self._get(lease) == self.name:
                    self.redis.delete(lease)
            except self._errors:
                pass

    def _run_shard(self, task: ShardTask) -> None:
        keys = Keys(task.job, task.attempt)
        log.info("shard %s: %d host(s), %s (delivery %d)", task.shard, len(task.hosts), task.module,
                 task.delivery)
        self._push(keys, task, {"event": "ShardClaimed", "worker": self.name, "hostname": self.hostname,
                                "site": self.site, "delivery": task.delivery, "ts": time.time()})
        finished = {_text(m) for m in self.redis.smembers(keys.finished)}
        started = {_text(m) for m in self.redis.smembers(keys.started)}
        todo: list[ShardHost] = []
        for h in task.hosts:
            if h.name in finished:
                log.info("shard %s: %s finished before: not run again", task.shard, h.name)
            elif h.name in started and not task.idempotent:
                result = HostResult(h.name, "failed", {"failed": True, "changed": False, "msg": LOST_MSG},
                                    0.0, "lost")
                self._push(keys, task, encode_event(HostFinished(task.run_id, host=h.name, result=result)),
                           finished=h.name)
            else:
                todo.append(h)
        if todo:
            asyncio.run(self._run_hosts(task, keys, todo))
        self.redis.set(Keys.done(task.shard), self.name, ex=KEEP_SECONDS)
        self._push(keys, task, {"event": "ShardDone", "worker": self.name, "site": self.site, "ts": time.time()})

    async def _run_hosts(self, task: ShardTask, keys: Keys, hosts: list[ShardHost]) -> None:
        from ftltui.engine.executor import Executor

        inventory = build_inventory(hosts + [j for j in task.jump_hosts if j.name not in {h.name for h in hosts}])

        def on_event(ev: Event) -> None:
            if isinstance(ev, HostStarted):
                self._push(keys, task, encode_event(ev), started=ev.host)
            elif isinstance(ev, HostFinished):
                self._push(keys, task, encode_event(ev), finished=ev.host)
            elif isinstance(ev, (OutputLine, Warning_)):
                self._push(keys, task, encode_event(ev))

        groups: dict[str, list[ShardHost]] = {}
        for h in hosts:  # hosts the owner rendered different arguments for run as separate calls
            groups.setdefault(json.dumps(h.args, sort_keys=True, default=str), []).append(h)
        async with Executor(inventory, forks=task.forks, secrets=task.secrets, secret_vars=task.secret_vars,
                            verbosity=task.verbosity, ansible_modules=task.ansible_modules) as ex:
            with self._lock:
                self._engines[task.shard] = (asyncio.get_running_loop(), ex)
            try:
                await self._gather(task, keys, ex, inventory, groups, on_event)
            finally:
                with self._lock:
                    self._engines.pop(task.shard, None)

    async def _gather(self, task: ShardTask, keys: Keys, ex: Any, inventory: Any,
                      groups: dict[str, list[ShardHost]], on_event: Any) -> None:
        """One executor call per group of hosts with the same arguments; ``forks`` bounds the
        hosts running at once across the calls (a call per host when each has its own)."""
        sem = asyncio.Semaphore(max(1, task.forks))

        async def call(members: list[ShardHost]) -> None:
            async with sem:
                own = members[0].args
                res = await ex.run([inventory.hosts[h.name] for h in members], task.module,
                                   own if own is not None else task.args, check=task.check, timeout=task.timeout,
                                   on_event=on_event, diff=task.diff, fail_fast=task.fail_fast, no_log=task.no_log,
                                   keep_result=task.no_log, rendered=task.rendered or own is not None,
                                   environment=task.environment)
                if task.no_log:  # the events carry the censored result; the owner's caller needs the real one
                    for hr in res.results.values():
                        self._push(keys, task, {"event": "HostReal", "host": hr.host, "result": hr.to_dict()})

        await asyncio.gather(*(call(m) for m in groups.values()))

    # -- Redis writes ---------------------------------------------------------------------
    def _push(self, keys: Keys, task: ShardTask, doc: dict[str, Any], *, started: str | None = None,
              finished: str | None = None) -> None:
        """Append a sealed entry (and the host to ``started``/``finished`` in the same transaction).

        While Redis is away the write is retried for :data:`PUSH_PATIENCE` seconds; the
        module has run, so its result is kept rather than dropped at the first error.
        """
        doc["shard"] = task.shard
        entry = {"d": self.sealer.seal(doc)}
        deadline = time.monotonic() + PUSH_PATIENCE
        delay = 0.2
        while True:
            try:
                pipe = self.redis.pipeline(transaction=True)
                if started:
                    pipe.sadd(keys.started, started)
                    pipe.expire(keys.started, KEEP_SECONDS)
                pipe.xadd(keys.stream, entry)  # type: ignore[arg-type]
                pipe.expire(keys.stream, KEEP_SECONDS)
                if finished:
                    pipe.sadd(keys.finished, finished)
                    pipe.expire(keys.finished, KEEP_SECONDS)
                pipe.execute()
                return
            except self._errors as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("broker %s: %s; retrying", self.broker.shown, type(exc).__name__)
                time.sleep(delay)
                delay = min(2.0, delay * 2)

    def _get(self, key: str) -> str | None:
        value = self.redis.get(key)
        return value.decode() if isinstance(value, bytes) else value  # type: ignore[return-value]

    def _count_refused(self) -> None:
        try:
            self.redis.incr(REFUSED_KEY)
        except self._errors:
            pass


# KEYS[1] the lease, ARGV[1] this worker, ARGV[2] the lease in ms: 1 when renewed
_RENEW_IF_OURS = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                  "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def build_inventory(hosts: list[ShardHost]) -> Any:
    """An inventory of exactly the shipped hosts, with their variables as the owner resolved them."""
    from ftltui.inventory.builder import Builder
    from ftltui.inventory.inventory import Inventory

    builder = Builder()
    for h in hosts:
        groups = [g for g in h.groups if g not in ("all", "ungrouped")]
        for g in groups:
            builder.add_group(g)
        builder.add_host(h.name, groups[0] if groups else None, None)
        for g in groups[1:]:
            builder.add_host(h.name, g, None)
        builder.hosts[h.name].vars.update(h.vars)
    builder.reconcile()
    return Inventory(builder, [], [])
