"""The worker side: open a shard task, run it with the same engine, stream the events back.

A worker claims a shard with a lease in Redis (a Lua script: ``SET NX`` with a short
expiry, only while the owner still watches the shard and before the task's sealed
deadline), renewed by its heartbeat thread while the shard runs. A second copy of the
task (the owner's redelivery, or Celery's after its visibility timeout) finds the lease
held, or the shard done, and drops itself.

Every host start is a claim of its own (:data:`_CLAIM_HOST`, atomic in Redis): it
succeeds only while this worker still holds the shard's lease and the owner still
watches it, and records the host in the attempt's ``started`` set together with its
``HostStarted`` entry. So a worker whose heartbeat stalled (its lease lapsed, another
worker took the shard) or whose owner gave up starts no further host, even before its
heartbeat notices. A host's result goes into the stream in the same transaction as its
name into ``finished``. A redelivered shard therefore knows, per host: finished (skip
it), started but never finished (its worker died while the module ran: re-run only if
the module is idempotent, else report it ``lost``, the project's retry rule), or not
started (run it).

Redis writes never run on the engine's asyncio loop: each shard has one writer thread
(in order, so a host's events stay in order), which retries while Redis is away for the
task's ``patience`` (the owner's broker grace) and then stops the shard. Host start claims
run on a thread of their own: a claim writes its ``HostStarted`` entry itself (in the Lua
script), so a new host never waits behind other hosts' queued output.

A watch that lapsed (the owner's loop stalled, or the owner is gone) only refuses new host
starts: modules in flight finish and report. A lapsed lease (another worker may take the
shard) cancels them too.

The engine is warm: one asyncio loop per worker process, in its own thread, keeps the
runners (SSH pool, remote gates, local gates) across shards, closed after
:data:`WARM_IDLE_SECONDS` without a shard; a second job on the same site reuses the
connections and gates of the first. Nothing else is shared: each shard runs on an
:class:`~ftltui.engine.executor.Executor` of its own, with its own hosts (variables, jump
hops), facts and secrets, so two shards running at once never see each other's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ftltui.engine.events import Event, HostFinished, HostResult, OutputLine, Warning_
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

if TYPE_CHECKING:
    from ftltui.engine.executor import Executor
    from ftltui.engine.host_source import SecretTexts
    from ftltui.engine.runner import Runner
    from ftltui.inventory.inventory import Inventory
    from ftltui.inventory.model import Host

log = logging.getLogger("ftltui.sites.worker")
HEARTBEAT_SECONDS = 1.0
HEARTBEAT_TTL = 15
WARM_IDLE_SECONDS = 300.0  # an executor (SSH connections, gates) kept this long without a shard
WARM_FORKS = 256  # the warm executor's own bound; each shard's ``forks`` bounds its hosts
LOST_MSG = "worker lost while the module ran: not run again (the command may have run; re-run it explicitly)"
FAIL_FAST_MSG = "not started: an earlier host failed (fail_fast)"
# why a shard stopped without finishing: its hosts are not ours to report any more
_GONE = ("lease", "unwatched", "broken")
T = TypeVar("T")


@dataclass
class _ShardRun:
    """One shard this worker runs: its writer and claim threads, its executor, the runs in flight,
    why it stopped."""

    task: ShardTask
    keys: Keys
    writer: ThreadPoolExecutor
    claim: str  # the lease's value: this copy's own (a worker may hold a redelivered copy of a shard it lost)
    claimer: ThreadPoolExecutor  # host start claims: never queued behind the writer's backlog of output
    runs: set[str] = field(default_factory=set)  # executor run ids in flight (one per host)
    stop: str | None = None  # cancel | fail_fast (the owner's), lease | unwatched | broken (ours)
    tmpdir: str | None = None  # the task's controller files, written out for the module
    executor: Executor | None = None  # the shard's own, on the warm runners (while its hosts run)


@dataclass(frozen=True)
class _FileProblem:
    """Why a shipped controller file is not on this worker, and how the hosts that need it end
    (never started, so never claimed). ``retry``: a retry can fix it (the blob expired or was
    removed, the broker did not answer: the owner's next call ships the file again), and the
    message says so; the hosts are not run (``unreachable``). Otherwise a retry meets the same
    problem: the broker holds another content under the task's digest (refused), an unusable
    path in a shipped tree (``bad_args``), a malformed file reference in the task
    (``internal``): the hosts fail, final. A write failure on this machine is not run
    (``unreachable``) without that promise."""

    text: str
    kind: str = "unreachable"  # the hosts' error kind: unreachable | bad_args | internal
    retry: bool = False


class _Gone(Exception):
    """A shipped file's blob is not in the broker (it expired or was removed)."""


class _BrokerAway(Exception):
    """The broker failed a file's fetch; the text is the error's type only. Told apart from a
    local write's OSError at the fetch itself: a socket-level OSError that redis-py does not
    wrap was filed as "cannot write it on the worker" and did not stop the later fetches (hV3 #6)."""


@dataclass
class _Warm:
    """What outlives a shard: the runners (SSH pool, gates, local gate processes), nothing else.

    Each shard runs on an :class:`~ftltui.engine.executor.Executor` of its own (its hosts'
    variables, its jump hops, its facts and secrets) built on these runners, so two shards
    running at once, of two jobs on the same host (one with become, one without), never
    see each other's variables, become passwords or facts."""

    runners: dict[str, Runner]
    live: _LiveInventory
    running: int = 0
    last_used: float = 0.0

    async def close(self) -> None:
        for runner in self.runners.values():
            await runner.close()


# the inventory of the shard whose host task is running: set by the shard's coroutine, so
# every task it starts (one per host, through the executor) reads its own shard's hosts
_SHARD_INVENTORY: ContextVar[Inventory | None] = ContextVar("ftl_site_shard_inventory", default=None)


class _LiveInventory:
    """The shared SSH runner's inventory (it resolves jump hops and renders become variables
    through it): the inventory of the shard asking, read from :data:`_SHARD_INVENTORY` (each
    shard's coroutine sets it, and asyncio copies it into every task the shard starts), else
    the fallback. No ``__weakref__``: templating must not cache its groups.
    It is a :class:`~ftltui.engine.host_source.HostSource`: each member reads the inventory of now."""

    __slots__ = ("fallback",)

    def __init__(self, current: Inventory) -> None:
        self.fallback = current

    @property
    def current(self) -> Inventory:
        shard = _SHARD_INVENTORY.get()
        return self.fallback if shard is None else shard

    @property
    def hosts(self) -> Mapping[str, Host]:
        return self.current.hosts

    @property
    def vault(self) -> SecretTexts | None:
        return self.current.vault

    @property
    def last_unmatched(self) -> Sequence[str]:
        return self.current.last_unmatched

    def select(self, pattern: str) -> list[Host]:
        return self.current.select(pattern)

    def groups_magic(self) -> dict[str, list[str]]:
        return self.current.groups_magic()


class _Engine:
    """One asyncio loop in a thread, with the warm runners."""

    def __init__(self, idle: float = WARM_IDLE_SECONDS) -> None:
        self.idle = idle
        self.loop = asyncio.new_event_loop()
        self.warm: _Warm | None = None
        self._thread = threading.Thread(target=self._serve, name="ftl-site-engine", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_later(min(30.0, self.idle / 2), self._reap)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the engine's loop; block the calling (Celery) thread until it ends."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def _reap(self) -> None:
        now = time.monotonic()
        w = self.warm
        if w is not None and w.running == 0 and now - w.last_used > self.idle:
            self.warm = None
            log.info("closing an executor idle for %.0f s (its connections and gates)", now - w.last_used)
            self.loop.create_task(w.close())
        self.loop.call_later(min(30.0, self.idle / 2), self._reap)

    async def acquire(self, task: ShardTask, hosts: list[ShardHost]) -> tuple[_Warm, Executor, Inventory]:
        """The shard's own executor (its hosts, jump hops, facts, secrets) on the warm runners."""
        from ftltui.engine.executor import Executor
        from ftltui.engine.local import LocalRunner
        from ftltui.engine.ssh import SshRunner

        w = self.warm
        if w is None:
            live = _LiveInventory(build_inventory([]))
            ssh = SshRunner(inventory=live, on_warning=_ssh_warning)
            w = self.warm = _Warm({"local": LocalRunner(max_workers=WARM_FORKS), "ssh": ssh}, live)
        inventory = build_inventory(hosts)
        executor = Executor(inventory, forks=WARM_FORKS, secrets=task.secrets,
                            secret_vars=task.secret_vars, verbosity=task.verbosity,
                            ansible_modules=task.ansible_modules, runners=w.runners)
        executor.facts.update(task.facts)  # what this shard's templates read: its own task's, nobody else's
        w.running += 1
        return w, executor, inventory

    def release(self, w: _Warm) -> None:
        w.running -= 1
        w.last_used = time.monotonic()

    def close(self) -> None:
        async def close_all() -> None:
            w, self.warm = self.warm, None
            if w is not None:
                await w.close()

        try:
            asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(15)
        except Exception as exc:  # noqa: BLE001 - shutting down: the process exits next
            log.debug("closing the engine: %s", type(exc).__name__)
        self.loop.call_soon_threadsafe(self.loop.stop)


def _ssh_warning(host: str | None, text: str) -> None:
    log.warning("%s%s", f"{host}: " if host else "", text)


class SiteWorker:
    """One ``ftl-tui worker`` process: its site, its Redis connection, the shards it runs."""

    def __init__(self, site: str, broker: Broker, sealer: Sealer, *, concurrency: int = 1,
                 warm_idle: float = WARM_IDLE_SECONDS) -> None:
        import redis

        self.site = site
        self.broker = broker
        self.sealer = sealer
        self.concurrency = concurrency
        self.hostname = socket.gethostname()
        self.name = f"{self.hostname}:{os.getpid()}"
        self.redis = redis.Redis.from_url(broker.redis_url(), socket_timeout=10, socket_connect_timeout=5)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._shards: dict[str, _ShardRun] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._started_at = time.time()
        self._engine: _Engine | None = None
        self.warm_idle = warm_idle  # seconds an executor without a shard keeps its connections and gates

    @property
    def engine(self) -> _Engine:
        with self._lock:
            if self._engine is None:
                self._engine = _Engine(self.warm_idle)
            return self._engine

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
        if self._engine is not None:
            self._engine.close()

    @property
    def _worker_key(self) -> str:
        return f"{WORKER_KEY}{self.site}:{self.name}"

    def heartbeat(self) -> None:
        """Say we are alive (what ``ftl-tui workers`` lists) and renew our shards' leases."""
        with self._lock:
            running = dict(self._shards)
        doc = {"site": self.site, "hostname": self.hostname, "pid": os.getpid(), "ts": time.time(),
               "since": self._started_at, "concurrency": self.concurrency,
               "shards": [{"shard": st.task.shard, "hosts": len(st.task.hosts)} for st in running.values()]}
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self._worker_key, json.dumps(doc), ex=HEARTBEAT_TTL)
        for st in running.values():  # renew only a lease that is still this copy's (never another's)
            pipe.eval(_RENEW_IF_OURS, 1, Keys.lease(st.task.shard), st.claim, int(LEASE_SECONDS * 1000))
            pipe.get(Keys.cancel(st.task.shard))
        replies = pipe.execute()
        for st, renewed, mode in zip(running.values(), replies[1::2], replies[2::2]):
            if mode:
                self._halt(st, "fail_fast" if _text(mode) == "fail_fast" else "cancel")
            elif not renewed and st.stop not in ("lease", "broken"):  # it lapsed (a stalled heartbeat): stop here
                log.warning("shard %s: lease lost; stopping its hosts (the owner redelivers the shard)",
                            st.task.shard)
                self._halt(st, "lease")

    def _halt(self, st: _ShardRun, why: str) -> None:
        """Stop a shard: no host starts any more, and (but for ``unwatched``) the runs in flight
        are cancelled in the engine's loop.

        ``unwatched`` (the owner's watch lapsed: its loop stalled, or it is gone) only refuses
        new starts: a module part-way through is never cut off for it; it finishes and its
        result is written (an owner that gave up has reported the host ``lost`` already; one
        that was only slow reads it, then sends the shard again for the hosts not started).
        ``lease`` still cancels, even after ``unwatched``: another worker may take the shard,
        and a host must not run on two workers."""
        if st.stop is None or (st.stop == "unwatched" and why in _GONE and why != "unwatched"):
            st.stop = why
            log.info("shard %s: stopping (%s)", st.task.shard, why)
        engine, executor = self._engine, st.executor
        if why == "unwatched" or engine is None or executor is None:
            return
        fail_fast = st.stop == "fail_fast"

        def cancel() -> None:
            for run_id in list(st.runs):
                executor.cancel(run_id, fail_fast=fail_fast)

        engine.loop.call_soon_threadsafe(cancel)

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.heartbeat()
            except self._errors as exc:
                log.warning("heartbeat to broker %s failed: %s", self.broker.shown, type(exc).__name__)
            self._stop.wait(HEARTBEAT_SECONDS)

    # -- one task -------------------------------------------------------------------------
    def handle(self, token: str) -> None:
        """The Celery task's body: refuse, drop a duplicate or a late copy, or run the shard."""
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
        claim = f"{uuid.uuid4().hex[:8]}@{self.name}"
        verdict = _text(self.redis.eval(_CLAIM_SHARD, 4, lease, Keys.watch(task.shard), Keys.done(task.shard),
                                        Keys.cancel(task.shard), claim, int(LEASE_SECONDS * 1000),
                                        repr(task.expires_at)))
        if verdict != "ok":
            why = {"done": "is done already", "cancelled": "was cancelled before it started",
                   "expired": "expired (the owner's pickup deadline passed)",
                   "unwatched": "is no longer followed by its owner", "held": "is held by another worker"}
            log.info("shard %s %s: dropped this copy (delivery %d)", task.shard, why.get(verdict, verdict),
                     task.delivery)
            return
        st = _ShardRun(task, Keys(task.job, task.attempt),
                       ThreadPoolExecutor(1, thread_name_prefix=f"ftl-site-writer-{task.shard}"), claim,
                       ThreadPoolExecutor(1, thread_name_prefix=f"ftl-site-claims-{task.shard}"))
        with self._lock:
            self._shards[claim] = st
        try:
            self._run_shard(st)
        finally:
            with self._lock:
                self._shards.pop(claim, None)
            st.writer.shutdown(wait=True)
            st.claimer.shutdown(wait=True)
            if st.tmpdir:
                shutil.rmtree(st.tmpdir, ignore_errors=True)
            try:
                self.redis.eval(_DELETE_IF_OURS, 1, lease, claim)
            except self._errors:
                pass

    def _run_shard(self, st: _ShardRun) -> None:
        task, keys = st.task, st.keys
        log.info("shard %s: %d host(s), %s (delivery %d)", task.shard, len(task.hosts), task.module,
                 task.delivery)
        self._write(st, {"event": "ShardClaimed", "worker": self.name, "hostname": self.hostname,
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
                self._write(st, encode_event(HostFinished(task.run_id, host=h.name, result=result)), finished=h.name)
            else:
                todo.append(h)
        if todo:
            files, todo = self._files_for(st, todo)
        if todo:
            self.engine.run(self._run_hosts(st, todo, files))
        st.writer.submit(lambda: None).result()  # every entry written (or given up) before the end
        if st.stop in _GONE:
            log.warning("shard %s: stopped (%s) before it ended; its other hosts are not ours to report",
                        task.shard, st.stop)
            if st.stop == "unwatched":  # every host we started has reported: say why we hand the shard back
                self._write(st, {"event": "ShardReleased", "worker": self.name, "why": "unwatched", "ts": time.time()})
                st.writer.submit(lambda: None).result()
            return
        self.redis.set(Keys.done(task.shard), self.name, ex=KEEP_SECONDS)
        self._write(st, {"event": "ShardDone", "worker": self.name, "site": self.site, "ts": time.time()})

    async def _run_hosts(self, st: _ShardRun, hosts: list[ShardHost], files: dict[str, str]) -> None:
        """In the engine's loop: each host claims its start, then runs on the shard's own executor
        (on the warm runners); ``forks`` bounds the shard's hosts running at once."""
        task = st.task
        jumps = [j for j in task.jump_hosts if j.name not in {h.name for h in hosts}]
        engine = self.engine
        warm, executor, inventory = await engine.acquire(task, hosts + jumps)
        # this task's context (and so every host task it starts) sees the shard's own inventory
        # through the shared SSH runner's: jump hops and become templates resolve in this shard
        _SHARD_INVENTORY.set(inventory)
        st.executor = executor
        try:
            sem = asyncio.Semaphore(max(1, task.forks))
            await asyncio.gather(*(self._one_host(st, executor, h, inventory.hosts[h.name], sem, files)
                                   for h in hosts))
        finally:
            st.executor = None
            engine.release(warm)

    async def _one_host(self, st: _ShardRun, executor: Executor, h: ShardHost, host: Host, sem: asyncio.Semaphore,
                        files: dict[str, str]) -> None:
        """One host of the shard: claim its start, run it on ``host`` (this shard's own Host object)."""
        task, loop = st.task, asyncio.get_running_loop()
        async with sem:
            verdict = None if st.stop else await loop.run_in_executor(st.claimer, self._claim_host, st, h.name)
            if verdict == "fail_fast" or verdict == "cancel":
                st.stop = st.stop or verdict
            elif verdict in _GONE:
                self._halt(st, verdict)
            if verdict != "ok":
                if st.stop in ("cancel", "fail_fast"):  # the owner's stop: say so for this host
                    msg = FAIL_FAST_MSG if st.stop == "fail_fast" else "cancelled"
                    self._finished(st, HostResult(h.name, "cancelled", {"changed": False, "msg": msg}, 0.0,
                                                  "cancelled"))
                return
            if st.stop in ("lease", "broken"):  # stopped while the claim was on its way: the next holder decides
                return
            # ``unwatched`` since: this host's claim found the watch, so it runs (and reports)
            if st.stop in ("cancel", "fail_fast"):  # the owner's cancel or fail_fast arrived meanwhile
                msg = FAIL_FAST_MSG if st.stop == "fail_fast" else "cancelled"
                self._finished(st, HostResult(h.name, "cancelled", {"changed": False, "msg": msg}, 0.0, "cancelled"))
                return
            args = _with_files(h.args if h.args is not None else task.args, files)
            run_id = f"{task.run_id}:{task.delivery}:{h.name}"
            st.runs.add(run_id)
            try:
                res = await executor.run(
                    [host], task.module, args, check=task.check, timeout=task.timeout,
                    run_id=run_id, on_event=lambda ev: self._on_event(st, ev), diff=task.diff,
                    fail_fast=task.fail_fast, no_log=task.no_log, keep_result=task.no_log,
                    rendered=task.rendered or h.args is not None, environment=task.environment)
            except Exception as exc:  # noqa: BLE001 - bad arguments, an unknown module: this host fails, said why
                self._finished(st, HostResult(h.name, "failed", {"failed": True, "changed": False, "msg": str(exc)},
                                              0.0, "bad_args"))
                return
            finally:
                st.runs.discard(run_id)
            hr = res.results.get(h.name)
            if hr is None:
                return
            if task.no_log:  # the events carry the censored result; the owner's caller needs the real one
                self._write(st, {"event": "HostReal", "host": hr.host, "result": hr.to_dict()})
            if task.fail_fast and hr.status in ("failed", "unreachable") and st.stop is None:
                self._halt(st, "fail_fast")

    def _on_event(self, st: _ShardRun, ev: Event) -> None:
        """The warm executor's events of this shard's hosts, handed to the writer (never written here)."""
        if isinstance(ev, HostFinished):
            if st.stop in _GONE and ev.result.status == "cancelled":
                return  # we stopped it (the shard is no longer ours): the next worker's retry rule decides
            self._write(st, encode_event(ev), finished=ev.host)
        elif isinstance(ev, (OutputLine, Warning_)):
            self._write(st, encode_event(ev))

    def _finished(self, st: _ShardRun, result: HostResult) -> None:
        self._write(st, encode_event(HostFinished(st.task.run_id, host=result.host, result=result)),
                    finished=result.host)

    def _files_for(self, st: _ShardRun, todo: list[ShardHost]) -> tuple[dict[str, str], list[ShardHost]]:
        """The task's controller files written here, and the hosts that can run with them. A host
        whose file could not be fetched (its blob expired or was removed from Redis, Redis away,
        content not the one the task names) is reported not run (``unreachable``, never claimed
        as started: the retry rule runs it again, and the owner's next call ships the file
        again), with a message naming the file; the shard's other hosts run. In this (Celery)
        thread: file writes never hold up the engine's loop, shared by all shards."""
        if not st.task.files:
            return {}, todo
        try:
            files, problems = self._materialize(st)
        except OSError as exc:  # no private directory for them: nothing can run
            files, problems = {}, {given: _FileProblem(f"cannot write it on the worker: {exc.strerror or exc}")
                                   for given in st.task.files}
        runnable = []
        for h in todo:
            src = (h.args if h.args is not None else st.task.args).get("src")
            problem = problems.get(src) if isinstance(src, str) else None
            if problem is None:
                runnable.append(h)
                continue
            msg = f"not run: controller file {src}: {problem.text} (site {self.site}, worker {self.name})" + (
                "; a retry ships it again" if problem.retry else "")
            gone = problem.kind == "unreachable"
            self._not_run(st, HostResult(h.name, "unreachable" if gone else "failed",
                                         {"unreachable": gone, "failed": not gone, "changed": False, "msg": msg},
                                         0.0, problem.kind))
        return files, runnable

    def _not_run(self, st: _ShardRun, result: HostResult) -> None:
        """Report a host this copy did not start, only while it still holds the shard's lease
        (:data:`_FINISH_IF_HELD`, as a host start is claimed). Such a result is written while
        Redis may be away (the write retries for the task's ``patience``, longer than the
        lease): had the lease lapsed meanwhile, the owner has sent the shard again and another
        worker may be running that host; a late "not run" would then stand as its result (the
        owner keeps the first) and the retry rule would run it once more. A copy that lost the
        lease reports nothing and stops: the next holder decides."""
        doc = encode_event(HostFinished(st.task.run_id, host=result.host, result=result))
        doc["shard"] = st.task.shard
        st.writer.submit(self._push_if_held, st, doc, result.host)

    def _push_if_held(self, st: _ShardRun, doc: dict[str, Any], host: str) -> None:
        """The writer's side of :meth:`_not_run`: the entry and ``finished`` only under our lease."""
        task, keys = st.task, st.keys
        entry = self.sealer.seal(doc)
        verdict = self._retrying(st, f"the result of {host}", lambda: self.redis.eval(
            _FINISH_IF_HELD, 3, Keys.lease(task.shard), keys.stream, keys.finished, st.claim, entry, host,
            KEEP_SECONDS))
        if verdict is not None and _text(verdict) == "lease":
            log.warning("shard %s: lease lost before %s's not-run result was written: not reported "
                        "(the owner sent the shard again; its next holder decides)", task.shard, host)
            self._halt(st, "lease")

    def _materialize(self, st: _ShardRun) -> tuple[dict[str, str], dict[str, _FileProblem]]:
        """Write the task's controller files and trees into a private directory (0700):
        given ``src`` -> its copy here (a tree keeps the user's trailing slash), and given
        ``src`` -> why it could not be fetched. Their content comes from Redis
        (:meth:`Keys.blob`, sealed, shipped once), checked against the digest the sealed task
        names. Blocking: runs in the Celery thread, not the engine's loop. After the broker's
        first error no other file is fetched (each fetch from a silent Redis would hold this
        thread for its socket timeout, and the shard's lease would lapse meanwhile): they are
        not run, as the first."""
        st.tmpdir = tempfile.mkdtemp(prefix="ftl-site-files-")
        out: dict[str, str] = {}
        problems: dict[str, _FileProblem] = {}
        contents: dict[str, bytes] = {}
        away: str | None = None  # the broker's first error, once it failed a fetch

        def content(ref: Mapping[str, Any]) -> bytes:
            digest = str(ref["blob"])
            if digest not in contents:
                if away is not None:
                    raise _Gone(f"not fetched: the broker {self.broker.shown} failed an earlier file ({away})")
                try:
                    token = self.redis.get(Keys.blob(digest))
                except self._errors as exc:  # a broker error, whatever its type (an OSError redis-py let through too)
                    raise _BrokerAway(type(exc).__name__) from exc
                if token is None:
                    raise _Gone(f"no longer in the broker {self.broker.shown} (expired or removed)")
                data = self.sealer.open_bytes(token)
                if self.sealer.digest(data) != digest:
                    raise Refused("the broker holds another content than the task names (refused)")
                contents[digest] = data
            return contents[digest]

        def where(member: str) -> str:
            return f"member {member}: " if member else ""

        for i, (given, f) in enumerate(sorted(st.task.files.items())):
            member = ""
            try:
                d = os.path.join(st.tmpdir, str(i))
                os.mkdir(d, 0o700)
                path = os.path.join(d, os.path.basename(given.rstrip("/")) or "src")
                if "tree" in f:
                    os.mkdir(path, 0o700)
                    for rel in f.get("dirs") or ():
                        os.makedirs(os.path.join(path, _inside(rel)), exist_ok=True)
                    for member, ref in f["tree"].items():
                        target = os.path.join(path, _inside(member))
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        _write_file(target, content(ref), ref)
                    out[given] = path + ("/" if given.endswith("/") else "")
                else:
                    _write_file(path, content(f), f)
                    out[given] = path
            except _Gone as exc:
                problems[given] = _FileProblem(where(member) + str(exc), retry=True)
            except (Refused, ValueError) as exc:  # another content, an unusable tree path: a retry is no better
                problems[given] = _FileProblem(where(member) + str(exc), "bad_args")
            except (KeyError, TypeError) as exc:  # the task's file reference is malformed: a bug, said as one
                problems[given] = _FileProblem(
                    where(member) + f"malformed file reference in the task ({type(exc).__name__}: {exc})", "internal")
            except _BrokerAway as exc:  # Redis away: its type only (its text may carry the URL)
                away = str(exc)
                problems[given] = _FileProblem(where(member) + f"broker {self.broker.shown} unreachable: {away}",
                                               retry=True)
            except OSError as exc:  # a write here failed: the fetch's own errors are _BrokerAway above
                problems[given] = _FileProblem(where(member) + f"cannot write it on the worker: {exc.strerror or exc}")
        return out, problems

    # -- Redis writes (the shard's writer thread) -----------------------------------------
    def _write(self, st: _ShardRun, doc: dict[str, Any], *, finished: str | None = None) -> None:
        """Queue an entry for the shard's writer thread, which seals and writes it (in order; never
        blocks the caller, nor spends the engine loop's time on encryption)."""
        doc["shard"] = st.task.shard
        st.writer.submit(self._push, st, doc, finished)

    def _retrying(self, st: _ShardRun, what: str, op: Any) -> Any:
        """``op()`` retried while Redis is away, for the task's ``patience`` (the owner's grace):
        past it the owner has reported the shard's hosts, so the shard stops (None)."""
        deadline = time.monotonic() + max(1.0, st.task.patience)
        delay = 0.2
        while st.stop != "broken":
            try:
                return op()
            except self._errors as exc:
                if time.monotonic() > deadline:
                    log.warning("shard %s: broker %s away longer than the owner waits (%g s): %s dropped; "
                                "stopping the shard", st.task.shard, self.broker.shown, st.task.patience, what)
                    self._halt(st, "broken")
                    st.stop = "broken"
                    return None
                log.warning("broker %s: %s; retrying", self.broker.shown, type(exc).__name__)
                time.sleep(delay)
                delay = min(2.0, delay * 2)
        return None

    def _push(self, st: _ShardRun, doc: dict[str, Any], finished: str | None) -> None:
        """Append a sealed entry (and the host to ``finished`` in the same transaction)."""
        keys = st.keys
        entry = {"d": self.sealer.seal(doc)}

        def op() -> None:
            pipe = self.redis.pipeline(transaction=True)
            pipe.xadd(keys.stream, entry)  # type: ignore[arg-type]
            pipe.expire(keys.stream, KEEP_SECONDS)
            if finished:
                pipe.sadd(keys.finished, finished)
                pipe.expire(keys.finished, KEEP_SECONDS)
            pipe.execute()

        self._retrying(st, "an entry", op)

    def _claim_host(self, st: _ShardRun, host: str) -> str:
        """May ``host`` start? One atomic step in Redis: only while we hold the shard's lease and
        the owner watches it; records the start (``started`` set and ``HostStarted`` entry).
        Runs on the shard's claim thread, not the writer: the entry is written here, so the
        host's own output (queued on the writer only after this returns) follows it, and a new
        host never waits for other hosts' output backlog."""
        task, keys = st.task, st.keys
        entry = self.sealer.seal({"event": "HostStarted", "run_id": task.run_id, "host": host, "ts": time.time(),
                                  "shard": task.shard})
        verdict = self._retrying(st, f"the start of {host}", lambda: self.redis.eval(
            _CLAIM_HOST, 5, Keys.lease(task.shard), Keys.watch(task.shard), Keys.cancel(task.shard), keys.started,
            keys.stream, st.claim, host, entry, KEEP_SECONDS))
        return "broken" if verdict is None else _text(verdict)

    def _count_refused(self) -> None:
        try:
            self.redis.incr(REFUSED_KEY)
        except self._errors:
            pass


# KEYS[1] the lease, ARGV[1] this worker, ARGV[2] the lease in ms: 1 when renewed
_RENEW_IF_OURS = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                  "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")
_DELETE_IF_OURS = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                   "return redis.call('del', KEYS[1]) else return 0 end")
# KEYS: lease, watch, done, cancel; ARGV: worker, lease ms, the task's deadline (Redis
# TIME seconds, 0 none). The deadline is read from Redis's clock: owner and workers need not agree.
_CLAIM_SHARD = """
if redis.call('exists', KEYS[3]) == 1 then return 'done' end
if redis.call('exists', KEYS[4]) == 1 then return 'cancelled' end
local deadline = tonumber(ARGV[3])
if deadline and deadline > 0 then
  local t = redis.call('time')
  if tonumber(t[1]) + tonumber(t[2]) / 1000000 > deadline then return 'expired' end
end
if redis.call('exists', KEYS[2]) == 0 then return 'unwatched' end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'ok' end
return 'held'
"""
# KEYS: lease, watch, cancel, started, stream; ARGV: worker, host, sealed HostStarted entry, keep s
_CLAIM_HOST = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 'lease' end
if redis.call('exists', KEYS[2]) == 0 then return 'unwatched' end
local mode = redis.call('get', KEYS[3])
if mode then
  if mode == 'fail_fast' then return 'fail_fast' end
  return 'cancel'
end
redis.call('sadd', KEYS[4], ARGV[2])
redis.call('expire', KEYS[4], ARGV[4])
redis.call('xadd', KEYS[5], '*', 'd', ARGV[3])
redis.call('expire', KEYS[5], ARGV[4])
return 'ok'
"""

# KEYS: lease, stream, finished; ARGV: worker, sealed HostFinished entry, host, keep s
_FINISH_IF_HELD = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 'lease' end
redis.call('xadd', KEYS[2], '*', 'd', ARGV[2])
redis.call('expire', KEYS[2], ARGV[4])
redis.call('sadd', KEYS[3], ARGV[3])
redis.call('expire', KEYS[3], ARGV[4])
return 'ok'
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _inside(rel: str) -> str:
    """A tree member's relative path that cannot climb out of its directory (``..``, ``/``)."""
    parts = [p for p in rel.split("/") if p not in ("", ".", "..")]
    if not parts:
        raise ValueError(f"unusable path in a shipped tree: {rel!r}")
    return os.path.join(*parts)


def _write_file(path: str, data: bytes, f: Mapping[str, Any]) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
    os.chmod(path, int(f.get("mode") or 0o600) & 0o7777)


def _with_files(args: dict[str, Any], files: dict[str, str]) -> dict[str, Any]:
    """``args`` with a shipped controller ``src`` pointing at its copy on this machine."""
    src = args.get("src")
    if isinstance(src, str) and src in files:
        return {**args, "src": files[src]}
    return args


def build_inventory(hosts: list[ShardHost]) -> Inventory:
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
