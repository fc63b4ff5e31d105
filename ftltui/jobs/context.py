"""What a job kind's handler gets: its spec, output logging, progress, the engine.

Output goes to ``<state>/logs/<job_id>.jsonl`` (one JSON object a line, redacted,
flushed per line so ``jobs logs --follow`` in another process sees it at once) and is
re-emitted on the queue's bus as :class:`JobOutput` for the TUI.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.engine.events import HostFinished, OutputLine
from ftltui.engine.redact import Redactor
from ftltui.jobs.events import JobOutput, JobProgress
from ftltui.state.storage import FILE_MODE

if TYPE_CHECKING:
    from ftltui.jobs.model import Job
    from ftltui.jobs.queue import JobQueue


class JobLog:
    """Append-only JSON-lines log of one job.

    Output, not state: a line that cannot be written (a full disk) is dropped and
    counted in ``dropped``; it must never fail the job or the queue."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor
        self._fd = -1
        self.dropped = 0

    def write(self, record: dict[str, Any]) -> None:
        if self.redactor is not None:
            record = self.redactor.obj(record)
        line = json.dumps(record, default=str).encode() + b"\n"
        try:
            if self._fd < 0:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
            else:
                os.write(self._fd, line)
        except OSError:
            self.dropped += 1

    def open(self) -> JobLog:
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        except OSError:
            self._fd = -1  # each write tries again on its own
        return self

    def close(self) -> None:
        # No fsync: output is written through to the OS per line (a crashed *process*
        # loses none of it); the durable record of the job is its journaled state.
        # An fsync per job here would block the event loop for a disk round trip.
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class JobContext:
    def __init__(self, queue: JobQueue, job: Job, spec: dict[str, Any]) -> None:
        self.queue = queue
        self.job = job
        self.spec = spec  # unredacted while this process lives (secrets included)
        self.executor = queue.executor
        self.log = JobLog(queue.store.log_path(job.id), queue.store.redactor).open()
        self.log.write({"event": "JobState", "state": job.state, "reason": f"attempt {job.attempts}",
                        "ts": job.updated})

    def output(self, event: Any, step: str | None = None) -> None:
        """An engine event for this job: logged, counted, re-emitted on the bus."""
        event = self._redacted(event)
        rec = event.to_dict() if hasattr(event, "to_dict") else dict(event)
        if step is not None:
            rec["step"] = step
        self.log.write(rec)
        if isinstance(event, HostFinished) and step is None:
            self.progress(self.job.progress.get("done", 0) + 1, self.job.progress.get("total", 0))
        self.queue.emit(JobOutput(self.job.id, event=event, step=step))

    def _redacted(self, event: Any) -> Any:
        """The engine redacts what it knows; job-level secrets (workflow ``secrets:``
        vars) are known only here, so output lines and results pass through again."""
        red = self.queue.store.redactor
        if not red.secrets:
            return event
        if isinstance(event, OutputLine):
            return dataclasses.replace(event, text=red.text(event.text))
        if isinstance(event, HostFinished):
            return dataclasses.replace(event, result=dataclasses.replace(event.result, result=red.obj(event.result.result)))
        return event

    def progress(self, done: int, total: int) -> None:
        self.job.progress = {"done": done, "total": total}
        self.queue.emit(JobProgress(self.job.id, done=done, total=total))

    def save(self, fields: dict[str, Any]) -> Any:
        """Persist extra job fields (e.g. workflow step records); returns the ticket."""
        for k, v in fields.items():
            setattr(self.job, k, v)
        with self.queue.store.transaction() as tx:
            tx.update("jobs", self.job.id, fields)
        return tx.ticket

    def close(self) -> None:
        self.log.close()
