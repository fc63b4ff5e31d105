"""Operator actions on jobs: cancel, retry, re-run from failure, requeue, purge.

Mixed into :class:`~ftltui.console.session.ConsoleSession`; each action checks what the
job's state allows and says what happened in a :class:`JobActionResult`, in the words
the console has always used, so every face reports the same outcome.
"""

from __future__ import annotations

from typing import Protocol

from ftltui.console.results import JobActionResult
from ftltui.errors import FtlError
from ftltui.jobs.again import (
    GivenSecrets,
    again_hosts,
    enqueue_again,
    held_note,
    missing_secrets,
    refusal,
    secrets_lost,
)
from ftltui.jobs.model import TERMINAL, Job
from ftltui.jobs.queue import JobQueue

RUN_KIND, WORKFLOW_KIND, PLAYBOOK_KIND = "run", "workflow", "playbook"
ACTIONS = ("cancel", "retry", "rerun", "requeue", "purge")


class JobTable(Protocol):
    """Where :class:`JobActions` looks a job up and forgets a purged one: a session's
    ``jobs`` dict, or an owner's view of its queue (``ftltui.api.view_operations``)."""

    def get(self, job_id: int, /) -> Job | None: ...

    def pop(self, job_id: int, default: None, /) -> Job | None: ...


class JobActions:
    jobs: JobTable
    queue: JobQueue | None

    def host_results(self, job: Job) -> dict[str, str]:
        raise NotImplementedError

    def check_write(self, action: str) -> None:
        """The session's read-only check (:mod:`ftltui.console.guard`)."""
        raise NotImplementedError

    def _known(self, job: Job) -> Job:
        raise NotImplementedError

    def check_protected(self, action: str, job: Job, hosts: list[str] | None, confirmed: bool) -> None:
        """Ask the protected-group question of a re-run on ``hosts`` (``None``: a workflow's,
        from its file) as a new run asks it (hR finding 15): ``ProtectedConfirmationRequired``
        unless ``confirmed``. A face with a guard and an inventory (a console session) asks;
        an owner's actions for a client have none: the client's face asked first."""
        guard, inventory = getattr(self, "guard", None), getattr(self, "inventory", None)
        if guard is None:
            return
        if hosts is None:
            from ftltui.console.guard import workflow_hosts

            path = str(job.spec.get("file", ""))
            guard.check_targets(action, inventory, lambda: workflow_hosts(path, inventory), confirmed=confirmed)
        else:
            guard.check_run(action, inventory, hosts, confirmed=confirmed)

    async def job_action(self, action: str, job_id: int, *, given: GivenSecrets | None = None) -> JobActionResult:
        """Run one of :data:`ACTIONS` on ``job_id`` (a read-only session refuses them all); a
        re-run on protected hosts raises ``ProtectedConfirmationRequired``: the face asks,
        then calls :meth:`confirmed_job_action`. A re-run of a job that had secrets answers
        ``needs_secrets``: the face asks for them and acts again with them (``given``)."""
        return await self.confirmed_job_action(action, job_id, confirmed=False, given=given)

    async def confirmed_job_action(self, action: str, job_id: int, *, confirmed: bool = True,
                                   given: GivenSecrets | None = None) -> JobActionResult:
        """:meth:`job_action` after the operator answered the protected-group question."""
        self.check_write(action if action in ACTIONS else "job action")
        job = self.jobs.get(job_id)
        if job is None:
            return JobActionResult(action, job_id, False, f"no job {job_id}")
        if action == "cancel":
            ok = await self.cancel(job_id)
            return JobActionResult(action, job_id, ok, f"job {job_id}: cancel requested" if ok
                                   else f"job {job_id} is not running")
        if action in ("retry", "rerun", "requeue"):
            return await self._again(action, job, confirmed, given)
        if action == "purge":
            ok = await self.purge(job_id)
            return JobActionResult(action, job_id, ok, f"job {job_id} purged" if ok else f"job {job_id} is still active")
        return JobActionResult(action, job_id, False, f"unknown job action {action!r}")

    def _origin_problem(self, job: Job) -> str | None:
        """Why ``job`` may not run again on this session's inventory (:mod:`ftltui.jobs.origin`)."""
        from ftltui.jobs.origin import mismatch

        executor = self.queue.executor if self.queue is not None else None
        return mismatch(job.spec, executor.inventory if executor is not None else None, job.id)

    async def _again(self, action: str, job: Job, confirmed: bool = False,
                     given: GivenSecrets | None = None) -> JobActionResult:
        """``retry`` (``r``) and ``rerun`` (``e``) re-run from failure, ``requeue`` (``u``) runs a
        copy: the CLI's ``jobs retry|requeue`` through one code path
        (:func:`~ftltui.jobs.again.enqueue_again`), so a job re-run from any face gets the same
        hosts, tries and refusals (hR findings 3, 7, 16): never again on a host that finished,
        nor where a non-idempotent command may have run, nor from another inventory. Which
        states may be queued again is :func:`~ftltui.jobs.again.refusal`'s rule alone (a
        succeeded job too: the refusal of its re-run points to ``requeue``; hV2 finding 5)."""
        if self.queue is None or not job.terminal:
            return JobActionResult(action, job.id, False, f"job {job.id} is still {job.state}")
        problem = self._origin_problem(job)
        if problem is not None:  # its pattern resolves only in its own inventory (hR finding 3)
            return JobActionResult(action, job.id, False, problem)
        resume = action != "requeue"
        doc = dict(self.queue.store.table("jobs").get(job.id) or {})
        log_path = self.queue.store.log_path(job.id)
        problem = refusal(doc, job.id, resume, log_path, given)
        if problem is not None:  # only its secrets missing: the face asks for them (never stored)
            missing = missing_secrets(doc, given)
            asks = tuple(missing) if missing and problem == secrets_lost(job.id, doc, given) else ()
            if asks:  # the protected-group question first: a "no" must not have had a secret typed for it
                self.check_protected(action, job, again_hosts(doc, resume, log_path), confirmed)
            return JobActionResult(action, job.id, False, problem, needs_secrets=asks)
        self.check_protected(action, job, again_hosts(doc, resume, log_path), confirmed)
        try:
            new = self._known(await enqueue_again(self.queue, doc, job.id, resume, log_path, given))
        except FtlError as exc:
            return JobActionResult(action, job.id, False, str(exc))
        if job.kind == PLAYBOOK_KIND and resume:
            message = f"job {new.id} queued (re-run of {job.id} on {new.spec['options']['limit']})"
        else:
            message = f"job {new.id} queued ({action} of {job.id})"
        note = held_note(doc, job.id) if resume else None
        return JobActionResult(action, job.id, True, message + (f"; {note}" if note else ""), new)

    async def cancel(self, job_id: int) -> bool:
        self.check_write("cancel")
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state in TERMINAL:
            return False
        await self.queue.cancel(job_id)
        return True

    async def retry(self, job_id: int) -> Job | None:
        """Re-run a finished job from failure, as a new linked job (``jobs retry``)."""
        self.check_write("retry")
        return await self._again_job("retry", job_id)

    async def rerun_failed(self, job_id: int) -> Job | None:
        """Re-run from failure: a run on the hosts that did not succeed; a workflow
        resumed after its succeeded steps; a playbook on its failed/unreachable hosts."""
        self.check_write("rerun")
        return await self._again_job("rerun", job_id)

    async def requeue(self, job_id: int) -> Job | None:
        """Requeue from the dead letter (or a failed/cancelled job): a copy on all its hosts."""
        self.check_write("requeue")
        return await self._again_job("requeue", job_id)

    async def _again_job(self, action: str, job_id: int, confirmed: bool = False) -> Job | None:
        job = self.jobs.get(job_id)
        if job is None:
            return None
        return (await self._again(action, job, confirmed)).new_job

    async def purge(self, job_id: int) -> bool:
        """Archive one finished job out of the list."""
        self.check_write("purge")
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return False
        await self.queue.discard(job_id)
        self.jobs.pop(job_id, None)
        return True
