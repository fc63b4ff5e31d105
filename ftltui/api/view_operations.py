"""What an owner offers attached consoles and following clients, beyond the one-shot ops.

Mixed into :class:`~ftltui.api.local_operations.LocalOperations` (it needs only its
``queue`` and ``store``): every job event of the owner (for ``view.watch``, an attached
console's live view), a job's record as the console keeps it (``Job.to_doc``, redacted),
the console's job actions (``jobs.action``: the very
:class:`~ftltui.console.job_actions.JobActions` a console runs, so a retry from an
attached console means what it means in the owner's), and ``jobs retry``/``requeue``
of the CLI (``jobs.again``, :mod:`ftltui.jobs.again`). The drift writes a client may not
make itself (``drift.accept``, ``drift.baseline``) and drift notices are a console
session's (:class:`~ftltui.api.session_server.SessionOperations`): here they are stubs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ftltui.api.job_views import job_record
from ftltui.api.operations import JobRef, Unsubscribe
from ftltui.api.protocol import E_BAD_REQUEST, E_NOT_FOUND, E_UNKNOWN_OP, ProtocolError
from ftltui.console.job_actions import ACTIONS, JobActions
from ftltui.console.results import BaselineRequest, JobActionResult
from ftltui.errors import FtlError, StateError
from ftltui.jobs.again import GivenSecrets
from ftltui.jobs.events import JobEvent
from ftltui.jobs.model import Job
from ftltui.jobs.queue import JobQueue
from ftltui.state import StateStore
from ftltui.vault import VaultSecret

if TYPE_CHECKING:
    from ftltui.api.view_stream import ViewHub

RECENT_JOBS = 500  # job records an attached console starts with (the newest; older are in `jobs list`)


def job_doc(job: Job, redact: Callable[[Any], Any]) -> dict[str, Any]:
    """A job as it crosses the wire to a console: its stored fields and id, redacted."""
    doc: dict[str, Any] = redact({**job.to_doc(), "id": job.id})
    return doc


class _QueueJobs:
    """The :class:`~ftltui.console.job_actions.JobTable` of an owner's actions: the queue's
    live record, else the store's; nothing to forget on purge (the store is the table)."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def get(self, job_id: int, /) -> Job | None:
        return self.queue.get(job_id)

    def pop(self, job_id: int, default: None, /) -> Job | None:
        return default


class OwnerJobActions(JobActions):
    """The console's job actions on an owner's queue (host results from the job's summary)."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue
        self.jobs = _QueueJobs(queue)

    def host_results(self, job: Job) -> dict[str, str]:
        return dict((job.summary or {}).get("hosts") or {})

    def _known(self, job: Job) -> Job:
        return job

    def check_write(self, action: str) -> None:
        """Read-only clients and owners are refused by the server before the op gets here."""


class ViewOperations:
    queue: JobQueue
    store: StateStore
    _schedule_sinks: list[Callable[[str], None]]  # set by the owner's __init__ (LocalOperations)
    view_hub: ViewHub | None = None  # the one subscription of all view.watch streams (view_stream.hub_of)

    def subscribe_events(self, sink: Callable[[JobEvent], None]) -> Unsubscribe:
        """Every later job event of this owner (synchronously, on the owner's loop)."""
        return self.queue.bus.subscribe(sink)

    def subscribe_drift(self, sink: Callable[[str], None]) -> Unsubscribe:
        """``sink(reason)`` whenever the owner's stored drift may have changed outside a
        scan job (an accept, a pin): ``view.watch`` sends it on as a ``drift`` item. A bare
        queue has no drift desk: nothing to tell (:class:`SessionOperations` overrides)."""
        return lambda: None

    def subscribe_pause_held(self, sink: Callable[[int], None]) -> Unsubscribe:
        """``sink(job_id)`` whenever a face of the owner holds job ``job_id``'s timed pause:
        ``view.watch`` sends it on as a ``pause_held`` item, so every attached console shows
        it held at once. A bare queue runs no playbook pauses of a console: nothing to tell
        (:class:`SessionOperations` overrides)."""
        return lambda: None

    # -- schedules: one firing loop per owner, and a notice to every attached view --------
    def subscribe_schedules(self, sink: Callable[[str], None]) -> Unsubscribe:
        """``sink(reason)`` whenever the owner's schedules change: an edit (here or by a
        client) or a firing. ``view.watch`` sends it on as a ``schedules`` item."""
        sinks = self._schedule_sinks
        sinks.append(sink)
        return lambda: sinks.remove(sink) if sink in sinks else None

    def announce_schedules(self, reason: str) -> None:
        for sink in list(self._schedule_sinks):
            sink(reason)

    def job_doc(self, job_id: int) -> dict[str, Any] | None:
        """The live record of a job (``None`` when it is gone), as a console keeps it."""
        job = self.queue.get(job_id)
        return job_doc(job, self.store.redactor.obj) if job is not None else None

    def recent_job_docs(self, limit: int = RECENT_JOBS) -> list[dict[str, Any]]:
        """The newest ``limit`` jobs, oldest first, active ones as their live records."""
        ids = sorted(d.doc_id for d in self.store.table("jobs").all())[-limit:]
        docs = [self.job_doc(i) for i in ids]
        return [d for d in docs if d is not None]

    async def job_action(self, action: str, job_id: int, given: GivenSecrets | None = None) -> dict[str, Any]:
        """One of the console's job actions (cancel/retry/rerun/requeue/purge); ``given``: the
        secrets a re-run's job had, sent again by an attached console (``needs_secrets``)."""
        if action not in ACTIONS:
            raise ProtocolError(E_BAD_REQUEST, f"argument 'action': one of {', '.join(ACTIONS)}, got {action[:40]!r}")
        result: JobActionResult = await OwnerJobActions(self.queue).job_action(action, job_id, given=given)
        redact = self.store.redactor.obj
        return {"action": result.action, "job_id": result.job_id, "done": result.done, "message": result.message,
                "new_job": job_doc(result.new_job, redact) if result.new_job is not None else None,
                "needs_secrets": list(result.needs_secrets)}

    async def drift_accept(self, pattern: str, reason: str) -> dict[str, Any]:
        """``drift.accept``: an owner's console session accepts
        (:class:`~ftltui.api.session_server.SessionOperations`); a bare queue has no drift desk."""
        raise ProtocolError(E_UNKNOWN_OP, "this owner has no drift desk")

    async def drift_baseline(self, request: BaselineRequest) -> dict[str, Any]:
        """``drift.baseline``: as :meth:`drift_accept`, the owner's console session pins."""
        raise ProtocolError(E_UNKNOWN_OP, "this owner has no drift desk")

    async def accept_vault(self, secrets: Sequence[VaultSecret]) -> None:
        """Vault passwords a client sent (``jobs.again``'s ``vault``): an owner with a console
        session takes them (``SessionOperations``); this one has no keyring to add them to."""
        raise ProtocolError(E_BAD_REQUEST, "this owner takes no vault password from a client")

    async def submit_again(self, job_id: int, resume: bool, given: GivenSecrets | None = None,
                           vault: Sequence[VaultSecret] = ()) -> JobRef:
        """``jobs retry`` (``resume``) or ``jobs requeue`` of a finished job; ``given``: the
        secrets it had, sent again by the client (``secrets``: docs/api.md); ``vault``: vault
        passwords the client read (its ``--ask-vault-pass``), added to the owner's keyring first."""
        from ftltui.jobs.again import enqueue_again, refusal

        try:
            doc = job_record(self.store, job_id)
        except StateError as exc:
            raise ProtocolError(E_NOT_FOUND, str(exc)) from None
        doc["state"] = doc["stored_state"]
        problem = refusal(doc, job_id, resume, self.store.log_path(job_id), given)
        if problem is not None:
            raise FtlError(problem)
        if vault:  # taken only for a re-run that is queued
            await self.accept_vault(vault)
        job = await enqueue_again(self.queue, doc, job_id, resume, self.store.log_path(job_id), given)
        return JobRef(job.id, job.state, job.title)
