""":class:`OwnerOperations` over a started JobQueue and its state store: what every owner serves.

The server (:mod:`ftltui.api.server`) decodes a request and calls one of these methods.
The daemon and a console that owns its state directory serve
:class:`~ftltui.api.session_server.SessionOperations`, this class on their
:class:`~ftltui.console.session.ConsoleSession` (its queue and store; its read-only
policy, drift and schedule desks take over where they differ); bare on a queue it has
no drift or schedule desk (``drift.accept``/``drift.baseline`` are unknown ops). It uses only public methods of the queue and the store (the enqueue
helpers, ``cancel``, ``requeue``, ``purge``, ``wait``, ``bus``), and the attached views'
and follow-me ops come from :class:`~ftltui.api.view_operations.ViewOperations`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

from ftltui.api.job_views import job_record, job_rows
from ftltui.api.operations import (
    DriftScanRequest,
    EventSink,
    JobEnd,
    JobRef,
    OwnerInfo,
    PlaybookRequest,
    RunRequest,
    Unsubscribe,
    WorkflowRequest,
)
from ftltui.api.protocol import E_BAD_REQUEST, E_NOT_FOUND, ProtocolError
from ftltui.api.view_operations import ViewOperations
from ftltui.engine.event_schema import event_record
from ftltui.engine.host_source import HostSource
from ftltui.errors import StateError
from ftltui.jobs.events import JobEvent
from ftltui.jobs.model import Job
from ftltui.jobs.queue import JobQueue


class LocalOperations(ViewOperations):
    def __init__(self, queue: JobQueue, *, inventory_sources: Sequence[str] = (), readonly: bool = False) -> None:
        self.queue = queue
        self.store = queue.store
        self.inventory_sources = tuple(inventory_sources)
        self.readonly = readonly
        self._schedule_sinks: list[Callable[[str], None]] = []

    def info(self) -> OwnerInfo:
        return OwnerInfo(os.getpid(), str(self.store.path), self.inventory_sources, self.readonly)

    def list_jobs(self, states: Sequence[str]) -> list[dict[str, Any]]:
        return job_rows(self.store.table("jobs").all(), states)

    def show_job(self, job_id: int) -> dict[str, Any]:
        try:
            return job_record(self.store, job_id)
        except StateError as exc:
            raise ProtocolError(E_NOT_FOUND, str(exc)) from None

    @staticmethod
    def _ref(job: Job) -> JobRef:
        return JobRef(job.id, job.state, job.title)

    def _inventory(self) -> HostSource:
        if self.queue.executor is None:
            raise ProtocolError(E_BAD_REQUEST, "this owner has no engine: it cannot run anything")
        if self.queue.executor.inventory is None:
            raise ProtocolError(E_BAD_REQUEST, "this owner has no inventory: it cannot select hosts")
        return self.queue.executor.inventory

    async def submit_run(self, request: RunRequest) -> JobRef:
        from ftltui.ansible_modules.docs import controller_spec
        from ftltui.jobs.kinds import enqueue_run

        try:
            controller_spec(request.module)
        except KeyError:
            raise ProtocolError(E_BAD_REQUEST, f"unknown module {request.module!r}") from None
        if not self._inventory().select(request.pattern):
            raise ProtocolError(E_BAD_REQUEST, f"pattern {request.pattern!r} matches no hosts")
        job = await enqueue_run(self.queue, request.pattern, request.module, dict(request.args),
                                check=request.check, timeout=request.timeout, forks=request.forks,
                                foreground=request.foreground)
        return self._ref(job)

    async def submit_workflow(self, request: WorkflowRequest) -> JobRef:
        from ftltui.jobs.kinds import enqueue_workflow

        if not Path(request.file).is_absolute():
            raise ProtocolError(E_BAD_REQUEST, f"workflow file {request.file!r}: give an absolute path "
                                               "(the owner's working directory is not the client's)")
        job = await enqueue_workflow(self.queue, request.file, vars=dict(request.vars), check=request.check,
                                     foreground=request.foreground)
        return self._ref(job)

    async def submit_playbook(self, request: PlaybookRequest) -> JobRef:
        from ftltui.jobs.playbook_kind import enqueue_playbook, options_doc

        if not Path(request.file).is_absolute():
            raise ProtocolError(E_BAD_REQUEST, f"playbook {request.file!r}: give an absolute path "
                                               "(the owner's working directory is not the client's)")
        try:
            options = options_doc(**request.options)
        except (TypeError, ValueError) as exc:
            raise ProtocolError(E_BAD_REQUEST, f"playbook options: {exc}") from None
        job = await enqueue_playbook(self.queue, request.file, options=options, roles_path=request.roles_path,
                                     collections_paths=request.collections_paths, foreground=request.foreground,
                                     answers=request.answers, private=request.private)  # private: job secrets
        return self._ref(job)

    async def submit_drift_scan(self, request: DriftScanRequest) -> JobRef:
        from ftltui.drift.jobs import KIND, scan_spec
        from ftltui.jobs import RetryPolicy

        hosts = list(self._inventory().select(request.pattern))
        if not hosts:
            raise ProtocolError(E_BAD_REQUEST, f"pattern {request.pattern!r} matches no hosts")
        spec = scan_spec(request.pattern, hosts, None)
        job = await self.queue.enqueue(KIND, spec, title=f"drift scan {request.pattern}",
                                       retry=RetryPolicy(max_attempts=1))
        return self._ref(job)

    async def cancel_job(self, job_id: int) -> JobRef:
        self.show_job(job_id)
        job = await self.queue.cancel(job_id)
        if job is None:
            raise ProtocolError(E_NOT_FOUND, f"no job {job_id}")
        return self._ref(job)

    async def requeue_job(self, job_id: int) -> JobRef:
        self.show_job(job_id)
        return self._ref(await self.queue.requeue(job_id))

    async def purge_jobs(self, older_than: float) -> int:
        return await self.queue.purge(older_than)

    def subscribe_job(self, job_id: int, sink: EventSink) -> Unsubscribe:
        redact = self.store.redactor.obj

        def handler(event: JobEvent) -> None:
            if event.job_id == job_id:
                sink(redact(event_record(event.to_dict())))

        return self.queue.bus.subscribe(handler)

    async def wait_job(self, job_id: int) -> JobEnd:
        job = await self.queue.wait(job_id)
        if job is None:
            raise ProtocolError(E_NOT_FOUND, f"no job {job_id}")
        return JobEnd(job.id, job.state, job.reason, job.error_kind, dict(job.steps or {}), dict(job.summary or {}))

    def log_path(self, job_id: int) -> Path:
        return self.store.log_path(job_id)

    def job_finished(self, job_id: int) -> bool:
        job = self.queue.get(job_id)
        return job is None or job.terminal
