"""The job queue: durable transitions, a worker pool, retries, cancel, crash recovery.

Every state change goes through :meth:`JobQueue._transition`: checked against the
one table in :mod:`ftltui.jobs.model`, written (job + attempt records in one journal
record) and fsynced, and only then emitted on ``queue.bus``. Many jobs awaiting their
commits at once share fsyncs (group commit), which is what makes thousands of durable
transitions per second possible.

Idempotency keys: ``enqueue(..., key=K)`` returns the job already holding ``K`` while
that job is active (queued, running, retry_wait, cancelling). Once it finished, ``K``
is free again and the next enqueue creates a new job.

Kinds: ``register_kind(name, handler)`` where ``async handler(job, ctx) -> Outcome``.
The handler runs in its own task; cancelling a job cancels that task (cooperative),
waits ``grace`` seconds, then marks the job cancelled regardless (forced).

A transition whose commit fails (a full state disk) leaves the job object as it was
(the store undoes the change too), and the queue goes on: ``enqueue`` and operator
actions raise :class:`StateError` to their caller; inside the queue a :class:`QueueError`
event is emitted and the work is retried every ``storage_retry`` seconds: a start that
failed is dispatched again, a finished attempt whose outcome could not be recorded
keeps its outcome and records it once space is back (if the process dies first, the
job is recovered as ``lost`` at the next start, like any job whose owner died).

Retention (issue 16): a daemon runs for months, so finished jobs beyond ``retain_finished``
(plus a tenth, so one scan moves many) or older than ``retain_seconds`` move to the
archive file while the queue runs, not only at start. A counter of finished jobs in the
live store, kept at each terminal transition with a list of them oldest first, decides
and picks: the check costs nothing per job, a move starts at most once per
``archive_every`` seconds and scans no jobs table (only the start does; each move still
reads the attempts table once, on the loop, to take the moved jobs' attempt records: tens
of ms at 20,000 jobs, once a minute at most); the archive file is written in a thread. Each move is announced as :class:`~ftltui.jobs.events.JobsArchived`
so the faces forget those jobs too. Only terminal jobs move (a job waiting for a retry is
not terminal), oldest first, so a job that just finished stays readable in the store.
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import heapq
import os
import random
import time
from typing import Any, Awaitable, Callable, Iterable

from ftltui.errors import FtlError, StateError
from ftltui.jobs import model as m
from ftltui.jobs import origin
from ftltui.jobs.context import JobContext, JobLog
from ftltui.jobs.events import EVENT_FOR_STATE, EventBus, JobEvent, JobLost, JobsArchived, QueueError
from ftltui.jobs.model import Attempt, Job, Outcome, check_transition
from ftltui.jobs.owner import owner_alive, process_start_time
from ftltui.jobs.retry import RetryPolicy, dead_reason
from ftltui.state import StateStore

Handler = Callable[[Job, JobContext], Awaitable[Outcome]]
# a foreground client's job (Job.foreground) that had not started when its owner stopped or died:
# the client exited 1 saying so, so the job does not run later unattended (hR finding 19)
STOPPED_QUEUED = ("cancelled: the owner its waiting client asked stopped before it started "
                  "(it does not run later unattended)")
DIED_QUEUED = ("cancelled: the owner its waiting client asked died before it started "
               "(it does not run later unattended)")
# ... and one that was running when its owner died: lost and failed, never retry_wait, so the
# next owner does not run it again with nobody watching (hV2 finding 3)
DIED_RUNNING = ("lost: the owner its waiting client asked died while it ran (not retried unattended; "
                "`ftl-tui jobs retry ID` re-runs it)")
JOBS, ATTEMPTS = "jobs", "attempts"


async def _noop(job: Job, ctx: JobContext) -> Outcome:
    """The trivial kind: does nothing, succeeds. Used by the benchmark and tests."""
    return Outcome(m.OK)


class JobQueue:
    def __init__(
        self,
        store: StateStore,
        *,
        concurrency: int = 8,
        per_host: int = 4,
        grace: float = 5.0,
        heartbeat: float = 2.0,
        executor: Any = None,
        rng: random.Random | None = None,
        retain_finished: int = 20_000,
        retain_seconds: float = 30 * 86400,
        storage_retry: float = 1.0,
        archive_every: float = 60.0,
    ) -> None:
        self.store = store
        self.bus: EventBus[JobEvent] = EventBus()
        self.concurrency = concurrency
        self.per_host = per_host
        self.grace = grace
        self.heartbeat = heartbeat
        self.executor = executor  # shared engine Executor for run/workflow kinds
        self.retain_finished = retain_finished
        self.retain_seconds = retain_seconds
        self.rng = rng or random.Random()
        self.pid = os.getpid()
        self.pid_start = process_start_time(self.pid)
        self._kinds: dict[str, Handler] = {"noop": _noop}
        self._jobs: dict[int, Job] = {}  # active jobs
        self._keys: dict[str, int] = {}
        self._heap: list[tuple[int, int, int]] = []  # (-priority, id, id)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._handler_tasks: dict[int, asyncio.Task[Outcome]] = {}
        self._host_load: dict[str, int] = {}
        self._secret_specs: dict[int, dict[str, Any]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False
        self._retry_wait: set[int] = set()  # ids in retry_wait, so the dispatcher need not scan
        self.storage_retry = storage_retry
        # after a failed commit: outcomes not recorded yet, starts to dispatch again, and when
        self._unfinished: dict[int, tuple[Outcome, bool]] = {}
        self._stalled: set[int] = set()
        self._storage_retry_at = 0.0
        # retention while running (issue 16): how many finished jobs the live store holds,
        # (updated, id) of each oldest first (ids purged meanwhile are skipped), when a move
        # last started, the move in progress
        self.archive_every = archive_every
        self._finished_live = 0
        self._finished: collections.deque[tuple[float, int]] = collections.deque()
        self._archive_checked = float("-inf")
        self._archiver: asyncio.Task[None] | None = None
        self._archive_lock = asyncio.Lock()

    # -- kinds ------------------------------------------------------------------------
    def register_kind(self, name: str, handler: Handler) -> None:
        self._kinds[name] = handler

    def handler(self, name: str) -> Handler | None:
        """The handler registered for ``name`` (a session wraps it: ``console.session``)."""
        return self._kinds.get(name)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    # -- lifecycle --------------------------------------------------------------------
    async def start(self, *, dispatch: bool = True) -> None:
        """Recover what a dead process left behind, then start dispatching.

        ``dispatch=False`` recovers and allows operator actions (cancel, requeue)
        without running anything in this process (the ``jobs`` CLI)."""
        for doc in self.store.table(JOBS).all():
            if doc.get("state") in m.ACTIVE:
                job = Job.from_doc(doc.doc_id, doc)
                self._jobs[job.id] = job
                if job.key:
                    self._keys[job.key] = job.id
        for job in list(self._jobs.values()):
            if job.state in (m.RUNNING, m.CANCELLING) and not owner_alive(job.owner):
                await self._close_lost(job)
            elif job.state in (m.QUEUED, m.RETRY_WAIT) and job.foreground:
                await self._cancel_waiting(job, DIED_QUEUED)  # its client exited when its owner died
            elif job.state == m.QUEUED:
                self._push(job)
            elif job.state == m.RETRY_WAIT:
                self._retry_wait.add(job.id)
        await self._auto_archive()
        if not dispatch:
            return
        self._loops = [asyncio.create_task(self._dispatch_loop(), name="ftl-jobs-dispatch"),
                       asyncio.create_task(self._heartbeat_loop(), name="ftl-jobs-heartbeat")]

    async def stop(self, *, cancel_running: bool = True) -> None:
        """Stop dispatching at once (no job starts once stopping began: hR finding 5), then,
        with ``cancel_running``, cancel the running jobs. Queued and retry_wait jobs stay
        queued and run when the next owner starts (durable jobs), except a foreground
        client's (``Job.foreground``): its client exits 1 with its owner, so its job is
        cancelled rather than run later with nobody who asked for it watching (hR finding 19)."""
        self._stopping = True
        if cancel_running:
            for job in [j for j in self._jobs.values() if j.foreground and j.state in (m.QUEUED, m.RETRY_WAIT)]:
                await self._cancel_waiting(job, STOPPED_QUEUED)
            await asyncio.gather(*(self.cancel(i) for i in list(self._tasks)), return_exceptions=True)
        for t in self._loops:
            t.cancel()
        await asyncio.gather(*self._loops, *self._tasks.values(), return_exceptions=True)
        if self._archiver is not None:  # a move under way finishes: the file and the store agree
            await asyncio.gather(self._archiver, return_exceptions=True)
        await self._retry_storage()  # one last try; what still fails is recovered as lost later
        try:
            self.store.flush()
        except StateError as exc:
            self._report(0, f"state store: {exc}", retrying=False)

    async def __aenter__(self) -> JobQueue:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- queries ----------------------------------------------------------------------
    def get(self, job_id: int) -> Job | None:
        if job_id in self._jobs:
            return self._jobs[job_id]
        doc = self.store.table(JOBS).get(job_id)
        return None if doc is None else Job.from_doc(job_id, doc)

    def list(self, states: Iterable[str] | None = None) -> list[Job]:
        wanted = set(states) if states else None
        docs = self.store.table(JOBS).all()
        return [Job.from_doc(d.doc_id, d) for d in docs if wanted is None or d.get("state") in wanted]

    def attempts(self, job_id: int) -> builtins.list[dict[str, Any]]:
        return sorted(self.store.table(ATTEMPTS).search(lambda d: d.get("job_id") == job_id),
                      key=lambda d: d["number"])

    async def wait(self, job_id: int) -> Job:
        """Until the job is terminal."""
        while True:
            job = self.get(job_id)
            if job is None or job.terminal:
                return job  # type: ignore[return-value]
            self._idle.clear()
            await self._idle.wait()

    async def drain(self) -> None:
        while self._jobs:
            self._idle.clear()
            await self._idle.wait()

    # -- enqueue ----------------------------------------------------------------------
    async def enqueue(
        self,
        kind: str,
        spec: dict[str, Any],
        *,
        priority: int = 0,
        key: str | None = None,
        title: str = "",
        hosts: Iterable[str] = (),
        retry: RetryPolicy | None = None,
        secrets: Iterable[str] = (),
        secret_kinds: Iterable[str] = (),
        parent: int | None = None,
        foreground: bool = False,
    ) -> Job:
        if kind not in self._kinds:
            raise FtlError(f"unknown job kind {kind!r} (known: {', '.join(self.kinds)})")
        if key and key in self._keys:
            return self._jobs[self._keys[key]]
        if origin.SPEC_KEY not in spec and self.executor is not None:  # a re-run keeps its job's own
            sources = origin.sources_of(self.executor.inventory)
            if sources:
                spec = {**spec, origin.SPEC_KEY: sources}
        secrets = [s for s in secrets if s]
        self.store.redactor.add(secrets)
        now = time.time()
        policy = retry or RetryPolicy()
        job = Job(id=0, kind=kind, spec=dict(spec), priority=priority, key=key, title=title or kind,
                  created=now, updated=now, history=[[m.QUEUED, now, ""]],
                  max_attempts=policy.max_attempts, hosts=list(hosts), parent=parent,
                  has_secrets=bool(secrets), secret_kinds=sorted(set(secret_kinds)) if secrets else [],
                  foreground=foreground)
        doc = job.to_doc()
        doc["retry"] = policy.to_doc()
        with self.store.transaction() as tx:
            job.id = tx.insert(JOBS, doc)
            job.log = str(self.store.log_path(job.id))
            tx.update(JOBS, job.id, {"log": job.log})
        if secrets:
            self._secret_specs[job.id] = dict(spec)
        stored = self.store.table(JOBS).get(job.id)
        assert stored is not None  # inserted above, in this transaction
        job.spec = stored["spec"]  # the redacted form
        self._jobs[job.id] = job
        if key:
            self._keys[key] = job.id
        try:
            await tx.ticket
        except StateError:
            self._forget(job)  # the store undid the insert: so does the queue
            raise
        self._emit_transition(job, "", "")
        self._push(job)
        return job

    # -- operator actions -------------------------------------------------------------
    async def _cancel_waiting(self, job: Job, reason: str) -> None:
        """A queued or retry_wait foreground job whose client is gone: cancelled, never started."""
        if job.state not in (m.QUEUED, m.RETRY_WAIT):
            return
        try:
            await self._transition(job, m.CANCELLED, reason, self._closed(job, m.CANCELLED, reason))
        except StateError as exc:  # stays queued; said, not hidden
            self._report(job.id, f"job {job.id}: could not cancel it (its client is gone): {exc}")

    async def cancel(self, job_id: int, grace: float | None = None) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None:
            return self.get(job_id)
        if job.state in (m.QUEUED, m.RETRY_WAIT):
            await self._transition(job, m.CANCELLED, "cancelled by operator",
                                   self._closed(job, m.CANCELLED, "cancelled by operator"))
            return job
        if job.state == m.RUNNING:
            await self._transition(job, m.CANCELLING, "cancel requested")
            task = self._handler_tasks.get(job_id)
            if task is not None:
                task.cancel()
        runner = self._tasks.get(job_id)
        if runner is not None:
            done, _ = await asyncio.wait({runner}, timeout=self.grace if grace is None else grace)
            if not done and job.state == m.CANCELLING:  # forced: stop waiting for it
                runner.cancel()  # the handler task is abandoned; the worker slot is freed
                await self._finish_attempt(job, Outcome(m.ATTEMPT_CANCELLED, message="forced after grace"))
                try:
                    await self._transition(job, m.CANCELLED, "forced after grace period",
                                           self._closed(job, m.CANCELLED, "forced after grace period"))
                except StateError:  # recorded by the storage retry once space is back
                    self._unfinished[job.id] = (Outcome(m.ATTEMPT_CANCELLED, message="forced after grace"), False)
                    self._storage_retry_at = time.monotonic() + self.storage_retry
                    raise
        return job

    async def requeue(self, job_id: int, spec: dict[str, Any] | None = None,
                      hosts: Iterable[str] | None = None, secrets: Iterable[str] = (),
                      secret_kinds: Iterable[str] = ()) -> Job:
        """A new job linked to ``job_id`` (which must be finished); the old one stays. Its
        spec, hosts and retry policy are the old job's unless given (``spec``/``hosts``:
        a re-run on fewer hosts). A job that had secrets is refused unless they are given
        again (``secrets``, in ``spec``: :func:`ftltui.jobs.again.restored`): its stored
        spec has them as ``********`` and the real values are never kept (hV2 finding 2)."""
        from ftltui.jobs.again import lost_secrets, secrets_lost

        old = self.get(job_id)
        if old is None:
            raise StateError(f"no job {job_id}")
        if not old.terminal:
            raise StateError(f"job {job_id} is {old.state}; only finished jobs can be requeued")
        doc: dict[str, Any] = self.store.table(JOBS).get(job_id) or {}
        secrets = [s for s in secrets if s]
        if lost_secrets(doc) and (spec is None or not secrets):
            raise StateError(secrets_lost(job_id, doc))
        return await self.enqueue(old.kind, spec if spec is not None else old.spec, priority=old.priority,
                                  title=old.title, hosts=old.hosts if hosts is None else hosts, parent=old.id,
                                  retry=RetryPolicy.from_doc(doc.get("retry")), secrets=secrets,
                                  secret_kinds=secret_kinds)

    async def discard(self, job_id: int) -> None:
        """Remove a finished job (e.g. from the dead letter list) into the archive."""
        job = self.get(job_id)
        if job is None or not job.terminal:
            raise StateError(f"job {job_id} is not finished; cancel it first")
        await self._archive([job_id])

    async def purge(self, older_than: float = 7 * 86400) -> int:
        """Archive finished jobs last changed more than ``older_than`` seconds ago."""
        cutoff = time.time() - older_than
        ids = [d.doc_id for d in self.store.table(JOBS).all()
               if d.get("state") in m.TERMINAL and d.get("updated", 0) < cutoff]
        await self._archive(ids)
        return len(ids)

    async def _auto_archive(self) -> None:
        """Keep the live store small: finished jobs older than ``retain_seconds``, and
        the oldest beyond ``retain_finished``, move to the archive file."""
        cutoff = time.time() - self.retain_seconds
        done = sorted(((d.get("updated", 0), d.doc_id) for d in self.store.table(JOBS).all()
                       if d.get("state") in m.TERMINAL))
        excess = max(0, len(done) - self.retain_finished)
        ids = [i for n, (ts, i) in enumerate(done) if n < excess or ts < cutoff]  # a prefix: oldest first
        # the counter and the list from this scan (before any job runs: start() calls this)
        self._finished_live = len(done)
        self._finished = collections.deque(done[len(ids):])
        try:
            await self._archive(ids)
        except StateError:
            self._finished.extendleft(reversed(done[:len(ids)]))  # not moved: still there
            raise

    def _archive_due(self) -> bool:
        """O(1): are there enough finished jobs, or one old enough, to move some?"""
        margin = self.retain_finished // 10
        return (self._finished_live > self.retain_finished + margin
                or bool(self._finished) and self._finished[0][0] < time.time() - self.retain_seconds)

    async def _archive_oldest(self) -> None:
        """The move while running: the oldest finished jobs beyond ``retain_finished`` or
        past ``retain_seconds``, picked from :attr:`_finished` (no scan of the store)."""
        cutoff = time.time() - self.retain_seconds
        excess = self._finished_live - self.retain_finished
        jobs_t = self.store.table(JOBS)
        picked: builtins.list[tuple[float, int]] = []
        while self._finished and (len(picked) < excess or self._finished[0][0] < cutoff):
            entry = self._finished.popleft()
            if entry[1] in jobs_t:  # else purged or discarded meanwhile
                picked.append(entry)
        try:
            await self._archive([i for _, i in picked])
        except StateError:
            self._finished.extendleft(reversed(picked))  # not moved: still there, oldest first
            raise

    def _archive_soon(self) -> None:
        """After a job ended and at each heartbeat: start a move when one is due and the
        last one started ``archive_every`` seconds ago (never two at once, none while stopping)."""
        if self._stopping or (self._archiver is not None and not self._archiver.done()):
            return
        if time.monotonic() - self._archive_checked < self.archive_every or not self._archive_due():
            return
        self._archive_checked = time.monotonic()
        self._archiver = asyncio.create_task(self._archive_in_background(), name="ftl-jobs-archive")

    async def _archive_in_background(self) -> None:
        try:
            await self._archive_oldest()
        except StateError as exc:  # a full disk: the jobs stay in the live store, tried again later
            self._report(0, f"could not archive finished jobs: {exc}", retrying=True)
        except Exception as exc:  # a bug: say so instead of dying unseen
            self._report(0, f"archiving finished jobs: {type(exc).__name__}: {exc}", retrying=False)

    async def _archive(self, ids: builtins.list[int]) -> None:
        """Append the finished jobs ``ids`` (with their attempts) to the archive file (in
        a thread: fsync), then remove them from the live store; announce the move."""
        from ftltui.jobs.archive import append_archive

        async with self._archive_lock:  # a purge or discard and the background move never interleave
            jobs_t, att_t = self.store.table(JOBS), self.store.table(ATTEMPTS)
            docs = {i: doc for i in dict.fromkeys(ids) if (doc := jobs_t.get(i)) is not None
                    and doc.get("state") in m.TERMINAL}  # gone meanwhile, or not finished: not moved
            if not docs:
                return
            attempts = att_t.search(lambda a: a.get("job_id") in docs)
            by_job: dict[int, builtins.list[dict[str, Any]]] = {}
            for a in attempts:  # grouped once: a move of thousands is not thousands squared
                by_job.setdefault(a["job_id"], []).append(dict(a))
            records = [{"id": i, **doc, "attempt_records": by_job.get(i, [])} for i, doc in docs.items()]
            await asyncio.to_thread(append_archive, self.store.archive_path(JOBS), records)
            with self.store.transaction() as tx:
                for i in docs:
                    tx.remove(JOBS, i)
                for a in attempts:
                    tx.remove(ATTEMPTS, a.doc_id)
            await tx.ticket
            self._finished_live = max(0, self._finished_live - len(docs))
        self.bus.emit(JobsArchived(0, ids=tuple(docs)))

    # -- transitions ------------------------------------------------------------------
    async def _transition(self, job: Job, new: str, reason: str = "", fields: dict[str, Any] | None = None,
                          attempt: Attempt | None = None, attempt_id: int | None = None,
                          also: Callable[[Any], None] | None = None) -> None:
        check_transition(job.state, new, f"job {job.id}")
        previous, now = job.state, time.time()
        saved = {k: getattr(job, k) for k in ("state", "updated", "history", "reason", *(fields or {}))}
        saved_attempt = job.__dict__.get("_attempt")
        was_retry_wait, secret_spec = job.id in self._retry_wait, self._secret_specs.get(job.id)
        try:
            await self._commit_transition(job, new, now, reason, fields, attempt, attempt_id, also)
        except StateError:
            # not committed (the store has undone it): the job is what it was before
            for k, v in saved.items():
                setattr(job, k, v)
            if saved_attempt is None:
                job.__dict__.pop("_attempt", None)
            else:
                job._attempt = saved_attempt  # type: ignore[attr-defined]
            (self._retry_wait.add if was_retry_wait else self._retry_wait.discard)(job.id)
            if new in m.TERMINAL:
                self._jobs[job.id] = job
                if job.key:
                    self._keys[job.key] = job.id
                if secret_spec is not None:
                    self._secret_specs[job.id] = secret_spec
            raise
        self._emit_transition(job, previous, reason)
        if new not in (m.QUEUED, m.RUNNING):  # JobContext logs the start; this saves two opens a job
            JobLog.append(self.store.log_path(job.id), {"event": "JobState", "state": new, "reason": reason, "ts": now},
                          self.store.redactor)
        if new in m.TERMINAL:
            self._idle.set()
            self._finished_live += 1  # retention (issue 16): counted here, moved by _archive_soon
            self._finished.append((now, job.id))
            self._archive_soon()

    async def _commit_transition(self, job: Job, new: str, now: float, reason: str,
                                 fields: dict[str, Any] | None, attempt: Attempt | None,
                                 attempt_id: int | None, also: Callable[[Any], None] | None) -> None:
        """Apply ``new`` to the job object and the store; returns once it is committed."""
        job.state, job.updated = new, now
        job.history = job.history + [[new, now, reason]]
        if new in (m.DEAD, m.FAILED, m.CANCELLED):
            job.reason = reason
        update = {"state": new, "updated": now, "history": job.history, "reason": job.reason,
                  "progress": job.progress, **(fields or {})}
        for k, v in (fields or {}).items():
            setattr(job, k, v)
        if new == m.RETRY_WAIT:
            self._retry_wait.add(job.id)
        else:
            self._retry_wait.discard(job.id)
        with self.store.transaction() as tx:
            tx.update(JOBS, job.id, update)
            if attempt is not None and attempt_id is not None:
                tx.update(ATTEMPTS, attempt_id, attempt.to_doc())
            if also is not None:
                also(tx)
        if new in m.TERMINAL:
            self._forget(job)
        await tx.ticket

    def _emit_transition(self, job: Job, previous: str, reason: str) -> None:
        cls = EVENT_FOR_STATE[job.state]
        self.bus.emit(cls(job.id, state=job.state, previous=previous, reason=reason,
                          transition=f"{job.id}:{len(job.history) - 1}"))

    def emit(self, event: JobEvent) -> None:
        self.bus.emit(event)

    def _report(self, job_id: int, message: str, retrying: bool = True) -> None:
        self.bus.emit(QueueError(job_id, message=message, retrying=retrying))

    def _forget(self, job: Job) -> None:
        self._jobs.pop(job.id, None)
        if job.key and self._keys.get(job.key) == job.id:
            del self._keys[job.key]
        self._secret_specs.pop(job.id, None)

    # -- scheduling -------------------------------------------------------------------
    def _push(self, job: Job) -> None:
        heapq.heappush(self._heap, (-job.priority, job.id, job.id))
        self._wake.set()

    async def _dispatch_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            timeout: float | None = None
            try:
                timeout = await self._dispatch_round()
            except Exception as exc:  # a bug must not stop dispatching for good
                self._report(0, f"dispatcher: {type(exc).__name__}: {exc}")
                timeout = self.storage_retry
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    async def _dispatch_round(self) -> float | None:
        """Due retries, storage retries, then dispatch; returns how long to sleep at most."""
        now = time.time()
        next_due: float | None = None
        for job in [self._jobs[i] for i in list(self._retry_wait) if i in self._jobs]:
            if job.not_before > now:
                next_due = job.not_before if next_due is None else min(next_due, job.not_before)
            elif time.monotonic() >= self._storage_retry_at:
                try:
                    await self._transition(job, m.QUEUED, "retry due")
                except StateError as exc:
                    self._storage_failed(job, exc, "its retry")
                    continue
                self._push(job)
        sleep = None if next_due is None else max(0.0, next_due - time.time())
        if self._unfinished or self._stalled or self._storage_retry_at:
            await self._retry_storage()
            if self._storage_retry_at:
                wait = max(0.0, self._storage_retry_at - time.monotonic())
                sleep = wait if sleep is None else min(sleep, wait)
        self._dispatch()
        return sleep

    def _storage_failed(self, job: Job, exc: StateError, what: str, quiet: bool = False) -> None:
        """A commit for ``job`` failed: tell the operator (once, not at every retry),
        and try again in a while."""
        self._storage_retry_at = time.monotonic() + self.storage_retry
        if not quiet:
            self._report(job.id, f"job {job.id}: could not record {what}: {exc}")
        self._wake.set()

    async def _retry_storage(self) -> None:
        """Once ``storage_retry`` has passed since a failed commit: record the outcomes
        that could not be recorded and dispatch the starts that failed again."""
        if time.monotonic() < self._storage_retry_at:
            return
        self._storage_retry_at = 0.0
        for job_id, (outcome, retry_ok) in list(self._unfinished.items()):
            job = self._jobs.get(job_id)
            if job is None or job.state in m.TERMINAL:
                self._unfinished.pop(job_id, None)
                continue
            try:
                await self._finish(job, outcome, retry_ok)
            except StateError as exc:
                self._storage_failed(job, exc, "its outcome", quiet=True)
                return
            self._unfinished.pop(job_id, None)
            self._idle.set()
        for job_id in list(self._stalled):
            self._stalled.discard(job_id)
            job = self._jobs.get(job_id)
            if job is not None and job.state == m.QUEUED:
                self._push(job)

    def _dispatch(self) -> None:
        if self._stopping:  # a slot freed by a cancel while stopping starts nothing
            return
        deferred = []
        while self._heap and len(self._tasks) < self.concurrency:
            item = heapq.heappop(self._heap)
            job = self._jobs.get(item[2])
            if job is None or job.state != m.QUEUED or job.id in self._tasks:
                continue
            if any(self._host_load.get(h, 0) >= self.per_host for h in job.hosts):
                deferred.append(item)
                continue
            for h in job.hosts:
                self._host_load[h] = self._host_load.get(h, 0) + 1
            self._tasks[job.id] = asyncio.create_task(self._run(job), name=f"ftl-job-{job.id}")
        for item in deferred:
            heapq.heappush(self._heap, item)

    async def _run(self, job: Job) -> None:
        try:
            await self._run_attempt(job)
        except StateError as exc:  # a full state disk: the job is as last committed
            if job.state == m.QUEUED:
                self._stalled.add(job.id)
                self._storage_failed(job, exc, "its start")
            else:
                self._storage_failed(job, exc, "its outcome" if job.id in self._unfinished else "a change")
        except Exception as exc:  # a bug: say so instead of dying unseen
            self._report(job.id, f"job {job.id}: {type(exc).__name__}: {exc}", retrying=False)
        finally:
            for h in job.hosts:
                self._host_load[h] -= 1
            self._tasks.pop(job.id, None)
            self._handler_tasks.pop(job.id, None)
            self._wake.set()
            self._idle.set()

    async def _run_attempt(self, job: Job) -> None:
        if job.state != m.QUEUED:  # cancelled between dispatch and this task's first step
            return
        now = time.time()
        number = job.attempts + 1
        attempt = Attempt(job.id, number, now, self.pid, self.pid_start)
        owner = {"pid": self.pid, "start": self.pid_start, "heartbeat": now, "every": self.heartbeat}

        def insert_attempt(tx: Any) -> None:  # same journal record as the transition
            job._attempt = (attempt, tx.insert(ATTEMPTS, attempt.to_doc()))  # type: ignore[attr-defined]

        await self._transition(job, m.RUNNING, f"attempt {number}", {"attempts": number, "owner": owner},
                               also=insert_attempt)
        if job.state == m.CANCELLING:  # cancelled while the start was being committed
            await self._record(job, Outcome(m.ATTEMPT_CANCELLED, message="cancelled before it started"))
            return
        if job.has_secrets and job.id not in self._secret_specs:
            from ftltui.jobs.again import not_held

            outcome = Outcome(m.ERROR, "secrets_lost", not_held(job.id, job.secret_kinds, ran_before=number > 1))
            await self._record(job, outcome, retry_ok=False)
            return
        ctx = JobContext(self, job, self._secret_specs.get(job.id, job.spec))
        handler = self._kinds.get(job.kind, None)
        task = asyncio.create_task(self._call(handler, job, ctx), name=f"ftl-job-{job.id}-handler")
        self._handler_tasks[job.id] = task
        try:
            outcome = await asyncio.shield(task)
        except asyncio.CancelledError:
            task.cancel()
            outcome = Outcome(m.ATTEMPT_CANCELLED, message="cancelled")
        ctx.close()
        if job.state in m.TERMINAL:  # forced cancel got there first
            return
        await self._record(job, outcome)

    async def _record(self, job: Job, outcome: Outcome, retry_ok: bool = True) -> None:
        """``_finish``, keeping the outcome for the storage retry until it is committed."""
        self._unfinished[job.id] = (outcome, retry_ok)
        await self._finish(job, outcome, retry_ok)
        self._unfinished.pop(job.id, None)

    async def _call(self, handler: Handler | None, job: Job, ctx: JobContext) -> Outcome:
        if handler is None:
            return Outcome(m.ERROR, "bad_args", f"no handler for job kind {job.kind!r}")
        try:
            return await handler(job, ctx)
        except asyncio.CancelledError:
            return Outcome(m.ATTEMPT_CANCELLED, message="cancelled")
        except FtlError as exc:
            return Outcome(m.ERROR, "bad_args", str(exc))
        except Exception as exc:  # a bug in a handler must not kill the queue
            # ... nor lose where it happened: the job's log keeps ansible-playbook 2.19's words
            # and the traceback (frames and source lines, never their locals; each line
            # redacted as every log line is), one note a line, so `jobs logs` prints it
            import traceback

            from ftltui.errors import unexpected_message

            report = [f"[ERROR]: {unexpected_message(exc)}", "", *"".join(traceback.format_exception(exc)).splitlines()]
            for line in report:
                ctx.log.write({"event": "JobNote", "text": line, "ts": time.time()})
            return Outcome(m.ERROR, "internal", f"{type(exc).__name__}: {exc}")

    async def _finish_attempt(self, job: Job, outcome: Outcome) -> tuple[Attempt, int] | None:
        pair = getattr(job, "_attempt", None)
        if pair is None:
            return None
        attempt, _ = pair
        attempt.ended, attempt.outcome = time.time(), outcome.status
        attempt.error_kind, attempt.message = outcome.error_kind, outcome.message
        return pair

    async def _finish(self, job: Job, outcome: Outcome, retry_ok: bool = True) -> None:
        if job.state in m.TERMINAL:
            return
        pair = await self._finish_attempt(job, outcome)
        att, att_id = pair if pair else (None, None)
        fields = {"owner": None, "summary": outcome.summary or job.summary, "error_kind": outcome.error_kind,
                  **({"per_host": job.per_host} if job.per_host else {}), **({"steps": job.steps} if job.steps else {})}
        retry_ok = retry_ok and outcome.retry
        if outcome.status == m.OK:
            await self._transition(job, m.SUCCEEDED, outcome.message, fields, att, att_id)
            return
        if job.state == m.CANCELLING or outcome.status == m.ATTEMPT_CANCELLED:
            if job.state == m.RUNNING:
                await self._transition(job, m.CANCELLING, outcome.message or "cancelled")
            await self._transition(job, m.CANCELLED, outcome.message or "cancelled", fields, att, att_id)
            return
        kind = outcome.error_kind or ("timeout" if outcome.status == m.TIMEOUT else None)
        await self._after_failure(job, kind, outcome.message, fields, att, att_id, retry_ok)

    async def _after_failure(self, job: Job, kind: str | None, message: str, fields: dict[str, Any],
                             att: Attempt | None, att_id: int | None, retry_ok: bool = True) -> None:
        doc: dict[str, Any] = self.store.table(JOBS).get(job.id) or {}
        policy = RetryPolicy.from_doc(doc.get("retry"))
        if retry_ok and policy.should_retry(job.attempts, kind):
            delay = policy.delay(job.attempts, self.rng)
            fields = {**fields, "not_before": time.time() + delay}
            await self._transition(job, m.RETRY_WAIT, f"{kind}: {message}; retry in {delay:.1f}s",
                                   fields, att, att_id)
            self._wake.set()
        elif retry_ok and policy.retryable(kind) and policy.max_attempts > 1:  # retries ran out
            await self._transition(job, m.DEAD, dead_reason(job.attempts, kind, message), fields, att, att_id)
        else:
            await self._transition(job, m.FAILED, f"{kind}: {message}" if kind else message, fields, att, att_id)

    async def _close_lost(self, job: Job) -> None:
        """The job's owner died: close its attempt as lost and apply the retry policy; a
        foreground client's job (``Job.foreground``) fails instead: its client is gone."""
        owner = job.owner or {}
        attempt_doc = next((a for a in reversed(self.attempts(job.id)) if a.get("ended") is None), None)
        att = att_id = None
        why = f"owner pid {owner.get('pid')} died"
        if attempt_doc is not None:
            att = Attempt(**{k: attempt_doc[k] for k in Attempt.__dataclass_fields__ if k in attempt_doc})
            att.ended, att.outcome, att.error_kind = time.time(), m.LOST, "lost"
            att.message = f"owner pid {owner.get('pid')} is gone"
            att_id = attempt_doc.doc_id
        self.bus.emit(JobLost(job.id, owner_pid=int(owner.get("pid") or 0), attempt=job.attempts))
        if job.state == m.CANCELLING:
            fields = {"owner": None, "error_kind": "lost",
                      **self._closed(job, m.CANCELLED, "owner died while cancelling")}
            await self._transition(job, m.CANCELLED, "owner died while cancelling", fields, att, att_id)
            return
        if job.foreground:  # its client exited 1 with the owner: not retried with nobody watching
            why = f"{DIED_RUNNING} (owner pid {owner.get('pid')})"
            fields = {"owner": None, "error_kind": "lost", **self._closed(job, m.FAILED, why)}
            await self._transition(job, m.FAILED, why, fields, att, att_id)
            return
        job_doc: dict[str, Any] = self.store.table(JOBS).get(job.id) or {}
        policy = RetryPolicy.from_doc(job_doc.get("retry"))
        useful, message = self._worth_retrying(job)
        target = m.RETRY_WAIT if useful and policy.should_retry(job.attempts, "lost") else m.DEAD
        fields = {"owner": None, "error_kind": "lost",
                  **self._closed(job, target, f"{why}: {message}" if message else why)}
        await self._after_failure(job, "lost", f"{why}" + (f"; {message}" if message else ""), fields, att, att_id,
                                  retry_ok=useful)

    def _closed(self, job: Job, target: str, reason: str) -> dict[str, Any]:
        """Step and host records of ``job`` closed for ``target``: none stays running.

        A host still ``running`` here had ``ledger.start`` called and no result recorded
        (the owner died while cancelling, or a cancel forced after the grace period), so its
        command may have begun: it is closed as cancelled *with* ``started`` so a retry holds
        it back (:func:`may_have_run`; hV2 finding 1). ``requeue`` is the explicit re-run."""
        from ftltui.jobs.retry import HostLedger, idempotent
        from ftltui.jobs.workflow.runner import close_steps

        out: dict[str, Any] = {}
        if job.steps:
            out["steps"] = job.steps = close_steps(job.steps, target, reason)
        if job.per_host:
            ledger = HostLedger(job.per_host, idempotent(job.spec.get("module", ""), job.spec.get("args")))
            ledger.cancel_running(reason, started=True) if target == m.CANCELLED else ledger.close_interrupted()
            out["per_host"] = job.per_host = ledger.doc()
        return out

    def _worth_retrying(self, job: Job) -> tuple[bool, str]:
        """May another attempt of this lost job run anything? Only a run job can say no:
        every host finished, or may have run a command that is not safe to repeat."""
        if job.kind != "run" or not job.per_host:
            return True, ""
        from ftltui.jobs.retry import HostLedger, idempotent, ledger_outcome

        ledger = HostLedger(job.per_host, idempotent(job.spec.get("module", ""), job.spec.get("args")))
        ledger.close_interrupted()
        if any(h not in ledger.entries for h in job.hosts) or ledger.retryable():
            return True, ""
        return False, ledger_outcome(ledger, list(ledger.entries)).message

    async def _heartbeat_loop(self) -> None:
        from ftltui.jobs.archive import take_requests

        while True:
            await asyncio.sleep(self.heartbeat)
            now = time.time()
            with self.store.transaction() as tx:
                for job in list(self._jobs.values()):
                    if job.state in (m.RUNNING, m.CANCELLING) and job.owner:
                        job.owner = {**job.owner, "heartbeat": now}
                        tx.update(JOBS, job.id, {"owner": job.owner, "progress": job.progress})
            for job_id in take_requests(self.store.path, "cancel"):
                if job_id in self._jobs:
                    asyncio.create_task(self._requested_cancel(job_id))
            self._archive_soon()  # jobs age past retain_seconds while none ends

    async def _requested_cancel(self, job_id: int) -> None:
        """A cancel asked for by another process (``jobs cancel``): nobody awaits it here."""
        try:
            await self.cancel(job_id)
        except StateError as exc:
            self._report(job_id, f"job {job_id}: could not record the cancel: {exc}", retrying=False)
