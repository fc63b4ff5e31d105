"""What a job kind's handler gets: its spec, output logging, progress, the engine.

Output goes to ``<state>/logs/<job_id>.jsonl`` (one JSON object a line, redacted,
buffered for at most 100 ms, so ``jobs logs --follow`` in another process sees it almost at once) and is
re-emitted on the queue's bus as :class:`JobOutput` for the TUI.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ftltui.engine.events import HostFinished
from ftltui.engine.redact import Redactor
from ftltui.errors import StateError
from ftltui.jobs.events import JobOutput, JobProgress, QueueError
from ftltui.state.journal import DONE, Ticket
from ftltui.state.storage import FILE_MODE

if TYPE_CHECKING:
    from ftltui.jobs.model import Job
    from ftltui.jobs.queue import JobQueue


_ENCODER = json.JSONEncoder(default=str)  # json.dumps(default=...) builds a new encoder per call
FLUSH_SECONDS = 0.1  # buffered output reaches the file at most this late
FLUSH_BYTES = 64 * 1024
# Whole-record saves (``save_soon``: a playbook's ledger at each play start) are paced:
# the next waits so that saving takes at most SAVE_SHARE of the loop, and never longer
# than SAVE_MAX_WAIT. A host's *finish* is not paced: ``host_done`` journals that one
# host's entry (a small record, group-committed) and the host's HostFinished is
# reported only once it is durable (issue 17: a paced whole-ledger save let a host that
# finished read back as ``lost`` after a crash, and an idempotent module ran again there).
SAVE_SHARE = 0.1
SAVE_MAX_WAIT = 1.0
DRAIN_SLICE = 0.005  # outputs delivered in one go behind a commit, at most this long per loop turn
_OPEN: dict[Path, "JobLog"] = {}


class JobLog:
    """Append-only JSON-lines log of one job.

    Output, not state: a line that cannot be written (a full disk) is dropped and
    counted in ``dropped``; it must never fail the job or the queue.

    An open log buffers: a syscall per line cost a third of the event loop's time when
    50 hosts stream, and the console's key presses waited behind it. Lines reach the
    file every 100 ms (or per 64 KB, and on close), so ``jobs logs --follow`` lags by at
    most that, and a killed process loses at most the last 100 ms of output; the job's
    state and results are journaled separately and lose nothing."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor
        self._fd = -1
        self._buf: list[bytes] = []
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None
        self.dropped = 0

    @classmethod
    def append(cls, path: Path, record: dict[str, Any], redactor: Redactor | None = None) -> None:
        """Write one record, through the job's open log if it has one (keeps the order);
        redacted like every other line (a transition's reason can quote host output)."""
        log = _OPEN.get(path)
        if log is None:
            log = cls(path, redactor)
        elif redactor is not None and log.redactor is None:
            record = redactor.obj(record)
        log.write(record)

    def write(self, record: dict[str, Any]) -> None:
        if self.redactor is not None:
            record = self.redactor.obj(record)
        line = _ENCODER.encode(record).encode() + b"\n"
        if self._fd < 0:
            self._write_once(line)
            return
        self._buf.append(line)
        self._size += len(line)
        if self._size >= FLUSH_BYTES:
            self.flush()
        elif self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no loop (a synchronous caller): write through
                self.flush()

    def _write_once(self, line: bytes) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            self.dropped += 1

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buf:
            return
        data, n = b"".join(self._buf), len(self._buf)
        self._buf, self._size = [], 0
        try:
            written = os.write(self._fd, data)
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError:
            self.dropped += n  # approximate on a partial write: output, not state

    def open(self) -> JobLog:
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            _OPEN[self.path] = self
        except OSError:
            self._fd = -1  # each write tries again on its own
        return self

    def close(self) -> None:
        # No fsync: output reaches the OS within 100 ms; the durable record of the job
        # is its journaled state. An fsync per job would block the loop for a disk round trip.
        if self._fd >= 0:
            self.flush()
            if _OPEN.get(self.path) is self:
                del _OPEN[self.path]
            os.close(self._fd)
            self._fd = -1


class JobContext:
    def __init__(self, queue: JobQueue, job: Job, spec: dict[str, Any]) -> None:
        self.queue = queue
        self.job = job
        self.spec = spec  # unredacted while this process lives (secrets included)
        self.executor = queue.executor
        self._pending: Callable[[], dict[str, Any]] | None = None
        self._saver: asyncio.Task[None] | None = None
        self._hurry = asyncio.Event()  # set by ``saved``: the pending save goes now
        self._next_save = 0.0  # loop time before which the next save waits (see SAVE_SHARE)
        self._host_ticket: Ticket = DONE  # the last host_done record: output waits for it
        self._outbox: deque[tuple[Ticket, Any, str | None]] = deque()  # (barrier, event, step)
        self._drainer: asyncio.Task[None] | None = None
        self._failing = False  # host records are failing to commit (reported once until one commits)
        self.log = JobLog(queue.store.log_path(job.id), queue.store.redactor).open()
        self.log.write({"event": "JobState", "state": job.state, "reason": f"attempt {job.attempts}",
                        "ts": job.updated})

    def output(self, event: Any, step: str | None = None) -> None:
        """An engine event for this job: logged, counted, re-emitted on the bus.

        In order, and never before every host record journaled before it
        (:meth:`host_done`) is durable: a client (the console, ``jobs logs``, the API)
        is never told a host finished while a crash could still make it read back as
        ``lost``. Events queue behind such a record for one group commit (~ms)."""
        event = self._redacted(event)
        barrier = self._host_ticket
        if not self._outbox and barrier.done:
            self._deliver(event, step, barrier)
            return
        self._hold(barrier, event, step)

    def _hold(self, barrier: Ticket, event: Any, step: str | None) -> None:
        """Queue an event behind the outputs already waiting; the drainer delivers it."""
        self._outbox.append((barrier, event, step))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(self._drain(), name=f"ftl-job-{self.job.id}-out")

    async def _drain(self) -> None:
        clock = time.perf_counter
        while self._outbox:
            barrier = self._outbox[0][0]
            if not barrier.done:
                try:
                    await barrier
                except StateError:
                    pass  # reported by _deliver
            t0 = clock()
            while self._outbox and self._outbox[0][0].done:
                barrier, event, step = self._outbox.popleft()
                self._deliver(event, step, barrier)
                if clock() - t0 > DRAIN_SLICE:  # a burst behind one commit: let key presses in
                    await asyncio.sleep(0)
                    t0 = clock()

    def _deliver(self, event: Any, step: str | None, barrier: Ticket) -> None:
        if isinstance(event, JobProgress):  # held by progress() behind earlier outputs: not an output
            self.queue.emit(event)
            return
        if barrier.failed:  # a full state disk: said once, not per host; the final transition retries
            if not self._failing:
                self._failing = True
                self.queue.emit(QueueError(self.job.id, message=f"job {self.job.id}: could not record host "
                                                                f"results: {barrier.failed}", retrying=True))
        elif barrier is not DONE:
            self._failing = False
        rec = event.to_dict() if hasattr(event, "to_dict") else dict(event)
        if step is not None:
            rec["step"] = step
        self.log.write(rec)
        if isinstance(event, HostFinished) and step is None:
            self.queue.emit(self._set_progress(self.job.progress.get("done", 0) + 1, self.job.progress.get("total", 0)))
        self.queue.emit(JobOutput(self.job.id, event=event, step=step))

    def _redacted(self, event: Any) -> Any:
        """The engine redacts what it knows; job-level secrets (workflow ``secrets:`` vars, a
        playbook's private prompt answers) are known only here, so every event passes through
        again: engine events and the playbook runner's alike (a task that prints a private
        answer reaches the log, the console and API clients masked)."""
        red = self.queue.store.redactor
        if not red.secrets or not dataclasses.is_dataclass(event) or isinstance(event, type):
            return event
        if isinstance(event, HostFinished):
            return dataclasses.replace(event, result=dataclasses.replace(event.result, result=red.obj(event.result.result)))
        changes = {f.name: red.obj(getattr(event, f.name)) for f in dataclasses.fields(event)
                   if f.init and isinstance(getattr(event, f.name), (str, dict, list, tuple))}
        return dataclasses.replace(event, **changes) if changes else event

    def progress(self, done: int, total: int) -> None:
        """The job's progress, on the bus in order with its outputs: behind any output still
        waiting for its host's commit (:meth:`output`). Emitted at once, a workflow step's
        "done" came before that step's last outputs whenever the commit was slower than the
        step's end, and after them otherwise: ``play --json`` printed either order, so a
        client of an owner and the same command alone could differ (flaky
        tests/api/test_client_jobs_more.py)."""
        event = self._set_progress(done, total)
        if self._outbox:
            self._hold(DONE, event, None)
        else:
            self.queue.emit(event)

    def _set_progress(self, done: int, total: int) -> JobProgress:
        self.job.progress = {"done": done, "total": total}
        return JobProgress(self.job.id, done=done, total=total)

    def host_done(self, changes: list[tuple[list[str], Any]]) -> Ticket:
        """Journal one host's finish: ``changes`` are ``(path, value)`` pairs inside the
        job's record (``(["per_host", host], entry)``), one small record. Outputs after
        this wait until it is durable (see :meth:`output`); the job's fields named by the
        paths follow the store. A failed commit is reported once; the job's final
        transition stores the whole ledger again."""
        try:
            with self.queue.store.transaction() as tx:
                tx.set_in("jobs", self.job.id, changes)
        except StateError as exc:
            if not self._failing:
                self._failing = True
                self.queue.emit(QueueError(self.job.id, message=f"job {self.job.id}: could not record "
                                                                f"host results: {exc}", retrying=True))
            failed = Ticket(0)  # not durable: whoever waits for it (a playbook batch's start) is told so
            failed.resolve(exc)
            return failed
        doc: dict[str, Any] = self.queue.store.table("jobs").get(self.job.id) or {}
        for field in {path[0] for path, _ in changes}:
            setattr(self.job, field, doc.get(field))
        self._host_ticket = tx.ticket
        return tx.ticket

    def save_soon(self, fields: Callable[[], dict[str, Any]]) -> None:
        """Persist ``fields()`` now, or once the save in flight has committed and the loop
        has had its share (``SAVE_SHARE``): results of hosts that finish meanwhile share one
        commit, none waits for the disk, and a big ledger's saves cannot crowd out the
        console's key presses."""
        self._pending = fields
        if self._saver is None or self._saver.done():
            self._saver = asyncio.get_running_loop().create_task(self._save_loop(), name=f"ftl-job-{self.job.id}-save")

    async def _save_loop(self) -> None:
        clock = asyncio.get_running_loop().time
        while self._pending is not None:
            rest = self._next_save - clock()
            if rest > 0.001 and not self._hurry.is_set():  # the loop's turn: results gather meanwhile
                try:
                    await asyncio.wait_for(self._hurry.wait(), rest)
                except asyncio.TimeoutError:
                    pass
            fields, self._pending = self._pending, None
            t0 = clock()
            try:
                ticket = self.save(fields())
                cost = clock() - t0  # the loop's part: building and encoding the record
                await ticket
            except StateError as exc:  # the job's final transition records them once space is back
                cost = clock() - t0
                self.queue.emit(QueueError(self.job.id, message=f"job {self.job.id}: could not record "
                                                                f"host results: {exc}", retrying=True))
            self._next_save = t0 + min(SAVE_MAX_WAIT, cost / SAVE_SHARE)

    async def saved(self) -> None:
        """Until every ``save_soon`` and ``host_done`` has committed (or failed) and every
        output is delivered; a save waiting for its turn goes now."""
        if self._drainer is not None:
            await asyncio.shield(self._drainer)
        try:  # the last host record, even when no output followed it
            await asyncio.shield(asyncio.ensure_future(self._host_ticket))
        except StateError:
            pass  # reported by host_done's caller path; the final transition stores the ledger
        if self._saver is not None:
            self._hurry.set()
            try:
                await asyncio.shield(self._saver)
            finally:
                self._hurry.clear()

    def save(self, fields: dict[str, Any]) -> Any:
        """Persist extra job fields (e.g. workflow step records); returns the ticket."""
        for k, v in fields.items():
            setattr(self.job, k, v)
        with self.queue.store.transaction() as tx:
            tx.update("jobs", self.job.id, fields)
        return tx.ticket

    def close(self) -> None:
        """Outputs still waiting for a commit are delivered now (a forced end: the job's
        final transition is what records its hosts), then the log is closed."""
        if self._drainer is not None:
            self._drainer.cancel()
        while self._outbox:
            barrier, event, step = self._outbox.popleft()
            self._deliver(event, step, barrier)
        self.log.close()
