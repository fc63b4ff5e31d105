"""The owner's side: send each site its shard, read the workers' events back, decide what ended how.

The job's state machine stays in the owner: workers only report. For every site shard
of one executor call the dispatcher publishes one sealed Celery task, then reads the
attempt's Redis stream and re-emits the engine events through the caller's ``emit``
(the executor's bus, so jobs persist them and the console shows them live). It is
also the one that notices trouble:

* a worker whose claim (lease) lapses before the shard is done is *lost*: a warning
  names it and its hosts' states, and the shard is sent again (the redelivered copy
  skips finished hosts and reports started-but-unfinished non-idempotent ones as
  ``lost``, see :mod:`ftltui.sites.worker`);
* a shard no worker of its site takes within ``pickup_timeout`` fails its hosts as not
  run (``unreachable``: the retry rule may run them again);
* a worker that saw the owner's watch lapse (the owner's loop stalled) starts no further
  host, lets its running hosts finish and report, and hands the shard back
  (``ShardReleased``): sent again for the hosts not started, with a warning that says so;
* a publish that failed (the message may be queued all the same) closes the shard before
  its hosts are reported not run;
* Redis unreachable for longer than ``broker_grace`` fails the shards still open, with
  a message naming the broker (never its password), as ``lost`` (their result is
  unknown). The next call publishes afresh, so work resumes when Redis is back.

While it follows a shard the owner renews the shard's *watch* key (expiry
:attr:`SiteDispatcher.watch_ttl`), and while it sends the call's other shards too; workers claim neither the shard nor any host start
without it, and after an outage the owner reports only once it has lapsed: a task still
queued, or a worker that reconnects late, runs nothing the owner has already reported.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from ftltui.engine.events import Event, HostFinished, HostResult, HostStarted, Warning_
from ftltui.engine.placement import ShardRequest
from ftltui.engine.templating import has_template, host_context, render_args
from ftltui.errors import TemplateError
from ftltui.inventory.model import Host
from ftltui.sites.app import make_app
from ftltui.sites.broker import Broker
from ftltui.sites.seal import Refused, Sealer
from ftltui.sites.shipped import Blob, Digests, ship_files
from ftltui.sites.wire import (
    KEEP_SECONDS,
    TASK_NAME,
    Keys,
    ShardHost,
    ShardTask,
    decode_event,
    queue_for,
    result_of,
)

log = logging.getLogger("ftltui.sites.dispatch")
MAX_DELIVERIES = 3
CLOSED_BY_OWNER = "owner-closed"  # the lease value of a shard the owner gave up on (see _close)
CANCEL_GRACE = 10.0  # seconds a worker has to report its cancelled hosts
# a watch key outlives a stalled owner loop this long at least; past it a worker starts no new
# host of the shard (those running finish and report) and hands the shard back, sent again
WATCH_MIN_SECONDS = 5.0
PUT_BATCH_BYTES = 8 * 1024 * 1024  # sealed controller files written in one pipelined round trip
LOST_MSG = "its worker was lost while the module ran: result unknown (not run again)"


@dataclass
class _Shard:
    """The owner's view of one site shard while it runs."""

    task: ShardTask
    open: set[str]  # hosts without a result yet
    started: set[str] = field(default_factory=set)
    finished: dict[str, str] = field(default_factory=dict)  # host -> status
    worker: str | None = None
    sent_at: float = 0.0
    watched: bool = False  # a send began: its watch key is set and must be renewed, even while the publish lasts
    claimed: bool = False
    done: bool = False
    cancel_sent: float | None = None  # when the owner asked the worker to stop (monotonic)
    send_error: str | None = None  # the publish failed, and the shard is not closed yet (see _unsent)
    released: bool = False  # its worker handed it back (it saw our watch lapse), after its started hosts ended
    real: dict[str, HostResult] = field(default_factory=dict)  # no_log: the uncensored results


class SiteDispatcher:
    """Runs site shards through Celery workers; one per owner (it keeps its Celery app and Redis pool)."""

    def __init__(self, broker: Broker, sealer: Sealer, *, pickup_timeout: float = 300.0,
                 broker_grace: float = 10.0, poll: float = 0.5) -> None:
        self.broker = broker
        self.sealer = sealer
        self.pickup_timeout = pickup_timeout
        self.broker_grace = broker_grace
        self.poll = poll
        self._app: Any = None
        self._redis: Any = None
        self._sync_redis: Any = None  # for shipped files only, from a thread (see _upload)
        self._cancelled: dict[str, bool] = {}  # run id -> fail_fast, for runs asked to stop
        self._renewed_at = 0.0  # when the open shards' watch keys were last renewed (monotonic)
        self._digests = Digests(sealer)  # controller files hashed before (unchanged ones are not read again)

    def _clients(self) -> tuple[Any, Any]:
        if self._app is None:
            import redis.asyncio as aioredis

            self._app = make_app(self.broker)
            self._redis = aioredis.Redis.from_url(self.broker.redis_url(), socket_timeout=5,
                                                  socket_connect_timeout=3)
        return self._app, self._redis

    async def close(self) -> None:
        if self._sync_redis is not None:
            self._sync_redis.close()
            self._sync_redis = None
        if self._redis is not None:
            await self._redis.aclose()
        if self._app is not None:
            self._app.close()
        self._app = self._redis = None

    # -- the call ----------------------------------------------------------------------
    def cancel(self, run_id: str, *, fail_fast: bool = False) -> None:
        """Ask the workers running ``run_id``'s shards to stop them (seen at the next poll)."""
        self._cancelled.setdefault(run_id, fail_fast)

    async def run(self, request: ShardRequest, sites: Mapping[str, list[Host]], emit: Callable[[Event], None], *,
                  job: str | None = None, attempt: int = 1, inventory: Any = None, idempotent: bool = False,
                  forks: int = 50) -> dict[str, HostResult]:
        """Run ``request`` on every site's hosts; return each host's result (emitted as it came).

        ``sites`` maps a site to its hosts, resolved as the executor runs them (vars
        layered). ``inventory`` and ``request.facts`` render templated arguments per host
        here, where every host's variables are known. ``request.secrets`` travel (sealed)
        so the worker's redactor hides them too. ``idempotent``: may a host that started
        on a lost worker run again (the retry rule, ``ftltui.jobs.retry.idempotent``).
        """
        results: dict[str, HostResult] = {}

        def finish(run_id: str, result: HostResult) -> None:
            results[result.host] = result
            emit(HostFinished(run_id, host=result.host, result=result))

        job = job or request.run_id
        shards: dict[str, _Shard] = {}
        blobs: dict[str, Blob] = {}  # the call's controller files, by digest (each shipped once)
        # templates rendered, controller files read and hashed in a thread: never on the owner's loop
        built = await asyncio.to_thread(self._tasks, request, sites, job, attempt, inventory, idempotent, forks,
                                        blobs)
        for task, failed in built:
            for res in failed:
                finish(request.run_id, res)
            if task.hosts:
                shards[task.shard] = _Shard(task, {h.name for h in task.hosts})
        if not shards:
            return results
        app, redis = self._clients()
        try:
            unshipped = await self._upload(redis, blobs) if blobs else None
            async with self._watch_kept(redis, shards):  # one slow send must not let the sent ones lapse
                for shard in shards.values():
                    if unshipped:  # nothing of this shard was published: its hosts did not run
                        self._fail_open(shard, "unreachable", "unreachable", shard.task.run_id, finish, unshipped)
                        continue
                    error = await self._send(app, redis, shard)
                    if error:
                        await self._unsent(redis, shard, error, finish)
            await self._follow(redis, app, Keys(job, attempt), shards, emit, finish)
            for shard in shards.values():
                results.update({h: r for h, r in shard.real.items() if h in results})
        except asyncio.CancelledError:
            self._cancelled.setdefault(request.run_id, False)
            try:
                await asyncio.wait_for(self._send_cancel(redis, shards), 2.0)
            except (Exception, asyncio.CancelledError):  # best effort: the error goes on regardless
                pass
            raise
        finally:
            self._cancelled.pop(request.run_id, None)
        return results

    async def _send_cancel(self, redis: Any, shards: dict[str, _Shard]) -> None:
        for shard in shards.values():
            if not shard.done and shard.cancel_sent is None:
                mode = "fail_fast" if self._cancelled.get(shard.task.run_id) else "cancel"
                await redis.set(Keys.cancel(shard.task.shard), mode, ex=KEEP_SECONDS)
                shard.cancel_sent = time.monotonic()

    def _tasks(self, req: ShardRequest, sites: Mapping[str, list[Host]], job: str, attempt: int, inventory: Any,
               idempotent: bool, forks: int, blobs: dict[str, Blob]) -> list[tuple[ShardTask, list[HostResult]]]:
        """Every site's task and the hosts that fail before dispatch (run in a thread)."""
        return [self._task(req, site, hosts, job, attempt, inventory, idempotent, forks, blobs)
                for site, hosts in sites.items()]

    def _task(self, req: ShardRequest, site: str, hosts: list[Host], job: str, attempt: int, inventory: Any,
              idempotent: bool, forks: int, blobs: dict[str, Blob]) -> tuple[ShardTask, list[HostResult]]:
        shipped: list[ShardHost] = []
        failed: list[HostResult] = []
        files: dict[str, dict[str, Any]] = {}  # controller files the module reads: their digests (see _upload)
        templated = not req.rendered and has_template(req.args)
        for h in hosts:
            args = None
            if templated:
                try:
                    args = render_args(req.args, host_context(h, inventory, req.facts), host=h.name)
                except TemplateError as exc:
                    failed.append(HostResult(h.name, "failed", {"failed": True, "changed": False, "msg": str(exc)},
                                             0.0, "template"))
                    continue
            problem = ship_files(req, args if args is not None else req.args, files, blobs, self._digests)
            if problem:
                failed.append(HostResult(h.name, "failed", {"failed": True, "changed": False, "msg": problem},
                                         0.0, "bad_args"))
                continue
            shipped.append(ShardHost(h.name, dict(h.vars), list(h.groups), args))
        jumps: list[ShardHost] = []
        names = {h.name for h in hosts}
        for h in hosts:
            for hop in h.jump_hosts:
                known = getattr(inventory, "hosts", {}).get(hop) if inventory is not None else None
                if known is not None and hop not in names:
                    names.add(hop)
                    jumps.append(ShardHost(known.name, dict(known.vars), list(known.groups)))
        return ShardTask(job=job, attempt=attempt, site=site, run_id=req.run_id, module=req.module,
                         args=dict(req.args), hosts=shipped, check=req.check, diff=req.diff, no_log=req.no_log,
                         rendered=req.rendered, timeout=req.timeout, environment=req.environment,
                         fail_fast=req.fail_fast, forks=forks, verbosity=req.verbosity,
                         ansible_modules=list(req.ansible_modules), idempotent=idempotent, jump_hosts=jumps,
                         secrets=sorted(set(req.secrets)), files=files,
                         facts={k: dict(v) for k, v in req.facts.items()} if _short(req.module) == "template" else {}
                         ), failed

    async def _upload(self, redis: Any, blobs: dict[str, Blob]) -> str | None:
        """Put each controller file of the call in Redis once, sealed, under its keyed digest; a
        later call that ships the same content (a playbook's next host, another site's shard, the
        next job) only renews its expiry. Round trips by call, not by file: one pipelined EXPIRE
        of every blob (which are there), then the missing ones read, sealed and written in a
        thread (:meth:`_put_blobs`). The error message if the broker is away or a file is gone."""
        digests = list(blobs)
        try:
            pipe = redis.pipeline(transaction=False)
            for digest in digests:
                pipe.expire(Keys.blob(digest), KEEP_SECONDS)
            there = await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - redis' errors, OSError: the broker is away
            return self._broker_message("(controller files)", exc)
        missing = [(d, blobs[d]) for d, ok in zip(digests, there) if not ok]
        if not missing:
            return None
        try:  # sealed and written in a thread: redis.asyncio held the loop ~0.5 s writing 27 MB
            return await asyncio.to_thread(self._put_blobs, missing)
        except Exception as exc:  # noqa: BLE001 - as above
            return self._broker_message("(controller files)", exc)

    def _put_blobs(self, missing: list[tuple[str, Blob]]) -> str | None:
        """Read (if need be), seal and write ``missing``, pipelined in batches of about
        :data:`PUT_BATCH_BYTES`; a file that cannot be read again: the message naming it."""
        if self._sync_redis is None:
            import redis

            self._sync_redis = redis.Redis.from_url(self.broker.redis_url(), socket_timeout=30,
                                                    socket_connect_timeout=3)
        pipe, size = self._sync_redis.pipeline(transaction=False), 0
        for digest, blob in missing:
            try:
                data = blob.data if blob.data is not None else self._digests.load(digest, blob)
            except OSError as exc:
                return f"controller file {blob.path}: {exc.strerror or exc}"
            token = self.sealer.seal_bytes(data)
            pipe.set(Keys.blob(digest), token, ex=KEEP_SECONDS)
            size += len(token)
            if size >= PUT_BATCH_BYTES:
                pipe.execute()
                size = 0
        if size:
            pipe.execute()
        return None

    @property
    def watch_ttl(self) -> float:
        """How long the owner's watch on a shard outlives its last renewal (its broker grace, at
        least :data:`WATCH_MIN_SECONDS`). After an outage the owner reports a shard's hosts only
        once it has lapsed, so from then on no worker can start one."""
        return max(WATCH_MIN_SECONDS, self.broker_grace)

    async def _send(self, app: Any, redis: Any, shard: _Shard) -> str | None:
        """Publish the sealed task to the site's queue; the error message if the broker is away.

        The task carries its deadline in Redis's clock (now + ``pickup_timeout``: no worker
        claims it later) and the owner's grace (how long a worker retries its writes); the
        shard's watch key is set first, so a worker may claim it at once."""
        task = shard.task
        try:
            secs, usecs = await redis.time()
            task.expires_at = float(secs) + float(usecs) / 1e6 + self.pickup_timeout
            task.patience = self.watch_ttl  # a worker retries its writes as long as the owner may still read them
            shard.watched = True  # before the key is set: _watch_kept renews it while this publish lasts
            try:
                await redis.set(Keys.watch(task.shard), "1", px=int(self.watch_ttl * 1000))
            finally:  # an error may come after Redis set it: count it as set now (the outage path waits it out)
                self._renewed_at = time.monotonic()
            token = await asyncio.to_thread(self.sealer.seal, task.to_doc())
            await asyncio.to_thread(app.send_task, TASK_NAME, args=[token], queue=queue_for(task.site))
        except Exception as exc:  # kombu's OperationalError, redis' errors: the broker is away
            return self._broker_message(task.site, exc)
        shard.sent_at = time.monotonic()
        shard.claimed = False
        shard.worker = None
        return None

    def _broker_message(self, site: str, exc: BaseException) -> str:
        text = str(exc).strip()
        password = _password_of(self.broker.url)
        if password:
            text = text.replace(password, "***")
        return f"site {site}: broker {self.broker.shown} unreachable: {type(exc).__name__}" + (
            f": {text[:200]}" if text else "")

    async def _follow(self, redis: Any, app: Any, keys: Keys, shards: dict[str, _Shard],
                      emit: Callable[[Event], None], finish: Callable[[str, HostResult], None]) -> None:
        last = "0-0"
        down_since: float | None = None
        last_error = ""
        while any(not s.done for s in shards.values()):
            try:
                batches = await redis.xread({keys.stream: last}, count=500, block=int(self.poll * 1000))
                for _stream, entries in batches or ():
                    for entry_id, fields in entries:
                        last = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                        self._entry(fields, shards, emit, finish)
                await self._renew_watch(redis, shards)
                await self._check_leases(redis, app, shards, emit, finish)
                for shard in shards.values():
                    if shard.send_error is not None and not shard.done:
                        if shard.claimed:
                            shard.send_error = None
                        else:
                            await self._unsent(redis, shard, shard.send_error, finish)
                down_since = None
            except (OSError, _redis_error()) as exc:
                last_error = self._broker_message(",".join(sorted({s.task.site for s in shards.values()})), exc)
                now = time.monotonic()
                down_since = down_since or now
                # report only once every watch key has lapsed too: no worker starts a host after it
                if now - down_since >= self.broker_grace and now >= self._renewed_at + self.watch_ttl + 0.5:
                    for shard in shards.values():
                        if not shard.done:
                            self._fail_open(shard, "failed", "lost", shard.task.run_id, finish,
                                            f"{last_error} (for {now - down_since:.0f} s)")
                    return
                await asyncio.sleep(min(1.0, self.poll))
                continue
            now = time.monotonic()
            if any(s.task.run_id in self._cancelled for s in shards.values()):
                self._stop_cancelled(shards, now, finish)
                try:
                    await self._send_cancel(redis, {k: s for k, s in shards.items()
                                                    if s.task.run_id in self._cancelled})
                except (OSError, _redis_error()):
                    pass  # the loop above meets the broker error again and handles it
            for shard in shards.values():
                if not shard.done and not shard.claimed and now - shard.sent_at > self.pickup_timeout:
                    if not await _close(redis, shard.task.shard):
                        continue  # a worker claimed it just now: its events are on the way
                    site = shard.task.site
                    self._fail_open(shard, "unreachable", "unreachable", shard.task.run_id, finish,
                                    f"site {site}: no worker took the shard within {self.pickup_timeout:g} s "
                                    f"(is 'ftl-tui worker --site {site}' running on this broker?)")

    @asynccontextmanager
    async def _watch_kept(self, redis: Any, shards: dict[str, _Shard]) -> AsyncIterator[None]:
        """While the owner sends shards (one after another: a slow broker link makes each send
        slow, and many sites make many), it renews the watches of those whose send has begun,
        every third of :attr:`watch_ttl`: the follow loop renews them only once every send is
        done, and an earlier shard's watch could lapse meanwhile (its worker then stops starting
        hosts and hands it back, as to a stalled owner). The shard being sent is renewed too:
        its watch is set before its publish, and a publish slower than the watch's life would
        otherwise reach the queue with the watch gone, and its worker would drop the copy (its
        hosts then waited ``pickup_timeout`` and were reported unreachable). A stalled loop
        still stops the renewals (this is a task on it). A failed renewal is left to the sends,
        which meet the same broker."""
        async def keep() -> None:
            while True:
                await asyncio.sleep(self.watch_ttl / 3)
                sent = {k: s for k, s in shards.items() if s.watched and not s.done}
                if sent:
                    try:
                        await self._renew_watch(redis, sent)
                    except (OSError, _redis_error()) as exc:
                        log.debug("renewing the sent shards' watches: %s", type(exc).__name__)

        keeper = asyncio.create_task(keep())
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _renew_watch(self, redis: Any, shards: dict[str, _Shard]) -> None:
        """The owner still follows these shards: their workers may go on starting hosts."""
        pipe = redis.pipeline(transaction=False)
        for shard in shards.values():
            if not shard.done:
                pipe.set(Keys.watch(shard.task.shard), "1", px=int(self.watch_ttl * 1000))
        try:
            await pipe.execute()
        finally:  # as in _send: a failed renewal may have renewed some
            self._renewed_at = time.monotonic()

    def _stop_cancelled(self, shards: dict[str, _Shard], now: float, finish: Callable[[str, HostResult], None]) -> None:
        """A cancelled shard that no worker holds ends now; a held one once its worker
        reports, or after :data:`CANCEL_GRACE` seconds without it."""
        for shard in shards.values():
            run_id = shard.task.run_id
            if shard.done or run_id not in self._cancelled:
                continue
            msg = "not started: an earlier host failed (fail_fast)" if self._cancelled[run_id] else "cancelled"
            if not shard.claimed or (shard.cancel_sent is not None and now - shard.cancel_sent > CANCEL_GRACE):
                self._fail_open(shard, "cancelled", "cancelled", run_id, finish, msg)

    def _entry(self, fields: Mapping[Any, Any], shards: dict[str, _Shard], emit: Callable[[Event], None],
               finish: Callable[[str, HostResult], None]) -> None:
        token = fields.get(b"d") or fields.get("d")
        try:
            if token is None:
                raise Refused("no payload")
            doc = self.sealer.open(token)
        except Refused:
            log.warning("a stream entry did not authenticate: ignored")
            return
        shard = shards.get(str(doc.get("shard")))
        if shard is None:
            return  # another call's shard of the same job attempt
        run_id = shard.task.run_id
        kind = doc.get("event")
        if kind == "ShardClaimed":
            shard.claimed, shard.worker = True, str(doc.get("worker"))
            return
        if kind == "HostReal":  # under no_log: the real (redacted) result, for the caller only
            host = str(doc.get("host"))
            if host in {h.name for h in shard.task.hosts} and isinstance(doc.get("result"), dict):
                shard.real[host] = result_of(doc["result"])
            return
        if kind == "ShardReleased":
            shard.released = True
            return
        if kind == "ShardDone":
            for host in sorted(shard.open):  # cannot happen with an honest worker: say so if it does
                finish(run_id, HostResult(host, "failed", {"failed": True, "changed": False,
                                                           "msg": f"site {shard.task.site}: the worker ended the "
                                                                  "shard without this host's result"},
                                          0.0, "internal"))
            shard.open.clear()
            shard.done = True
            return
        ev = decode_event(doc, run_id)
        if ev is None:
            return
        if isinstance(ev, HostStarted):
            if ev.host not in shard.open or ev.host in shard.started:
                return
            shard.started.add(ev.host)
        elif isinstance(ev, HostFinished):
            if ev.host not in shard.open:
                return  # a second result for a host (a redelivered copy): the first one stands
            shard.open.discard(ev.host)
            shard.finished[ev.host] = ev.result.status
            finish(run_id, result_of(ev.result.to_dict()))
            return
        elif getattr(ev, "host", None) not in shard.open and getattr(ev, "host", None) is not None:
            return
        emit(ev)

    async def _check_leases(self, redis: Any, app: Any, shards: dict[str, _Shard], emit: Callable[[Event], None],
                            finish: Callable[[str, HostResult], None]) -> None:
        for shard in shards.values():
            if shard.done or not shard.claimed:
                continue
            task = shard.task
            if await redis.exists(Keys.lease(task.shard)) or await redis.exists(Keys.done(task.shard)):
                continue
            states = ", ".join(
                f"{h.name} {shard.finished.get(h.name) or ('running' if h.name in shard.started else 'not started')}"
                for h in task.hosts)
            if task.delivery >= MAX_DELIVERIES:
                if not await _close(redis, task.shard):
                    continue  # a delivery was claimed after all
                self._fail_open(shard, "failed", "lost", task.run_id, finish,
                                f"site {task.site}: worker {shard.worker} lost mid-shard, "
                                f"{task.delivery} deliveries tried")
                continue
            if shard.released:  # not lost: it stopped starting hosts when our watch lapsed (a stalled owner)
                text = (f"site {task.site}: worker {shard.worker} stopped starting hosts: this owner did not "
                        f"renew its watch for {self.watch_ttl:g} s ({states}); sending the shard again for "
                        f"the hosts not started (delivery {task.delivery + 1})")
            else:
                text = (f"site {task.site}: worker {shard.worker} lost mid-shard ({states}); "
                        f"sending the shard again (delivery {task.delivery + 1})")
            shard.released = False
            log.warning("%s", text)
            emit(Warning_(task.run_id, host=None, text=text))
            task.delivery += 1
            async with self._watch_kept(redis, shards):  # the other shards' watches, while this send lasts
                error = await self._send(app, redis, shard)
            if error:
                await self._unsent(redis, shard, error, finish)

    async def _unsent(self, redis: Any, shard: _Shard, error: str, finish: Callable[[str, HostResult], None]) -> None:
        """The publish failed, yet the message may be in the queue all the same (kombu can raise
        after the LPUSH went through, and Celery retries a publish): before its hosts are reported
        as not run (``unreachable``, which a retry runs again), close the shard so that no worker
        claims it later. If a worker holds it already, the message did go through: follow it.
        If Redis does not answer, the shard stays open with its error: :meth:`_follow` closes it
        once Redis answers, or, Redis away past the grace and the watch lapsed, reports its hosts
        ``lost`` as for any outage."""
        shard.send_error = error
        shard.sent_at = time.monotonic()
        shard.claimed, shard.worker = False, None
        try:
            closed = await _close(redis, shard.task.shard)
        except (OSError, _redis_error()) as exc:
            log.warning("%s; the shard is closed once the broker answers (%s)", error, type(exc).__name__)
            return
        if closed:
            self._fail_open(shard, "unreachable", "unreachable", shard.task.run_id, finish, error)
        else:  # a worker claimed it (or even finished it): its events are in the stream
            log.warning("%s; but a worker took the shard: following it", error)
            shard.send_error = None

    def _fail_open(self, shard: _Shard, status: str, kind: str, run_id: str,
                   finish: Callable[[str, HostResult], None], msg: str) -> None:
        """Close a shard: hosts without a result get one (started ones are ``lost``: they may have run)."""
        for host in [h.name for h in shard.task.hosts if h.name in shard.open]:
            if kind == "cancelled":
                text = msg.replace("not started", "cancelled") if host in shard.started else msg
                res = HostResult(host, "cancelled", {"changed": False, "msg": text}, 0.0, "cancelled")
            elif host in shard.started:
                res = HostResult(host, "failed", {"failed": True, "changed": False, "msg": f"{msg}; {LOST_MSG}"},
                                 0.0, "lost")
            else:
                res = HostResult(host, status, {"failed": status == "failed", "changed": False,  # type: ignore[arg-type]
                                                "unreachable": status == "unreachable", "msg": msg}, 0.0, kind)
            finish(run_id, res)
        shard.open.clear()
        shard.done = True


def _short(module: str) -> str:
    return module.rsplit(".", 1)[-1]


async def _close(redis: Any, shard: str) -> bool:
    """Take the shard's lease for good before giving up on it, so the Celery message still
    in the queue (or a later redelivery) finds it held and is dropped: a host the owner has
    already reported (and a retry may run) never runs from this shard later. False when a
    worker holds the lease (it claimed the shard just now) or finished the shard (its lease
    is gone, its events are in the stream): one atomic step in Redis."""
    return bool(await redis.eval(_CLOSE, 4, Keys.lease(shard), Keys.done(shard), Keys.cancel(shard),
                                 Keys.watch(shard), CLOSED_BY_OWNER, KEEP_SECONDS))


# KEYS: lease, done, cancel, watch; ARGV: the owner's lease value, keep s. 1 when closed
_CLOSE = """
if redis.call('exists', KEYS[2]) == 1 then return 0 end
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('set', KEYS[3], 'cancel', 'EX', ARGV[2])
redis.call('del', KEYS[4])
return 1
"""


def _redis_error() -> type[BaseException]:
    import redis

    return redis.RedisError


def _password_of(url: str) -> str | None:
    from urllib.parse import unquote, urlsplit

    try:
        pw = urlsplit(url).password
    except ValueError:
        return None
    return unquote(pw) if pw else None
