"""Operator actions on jobs: cancel, retry, re-run from failure, requeue, purge.

Mixed into :class:`~ftltui.console.session.ConsoleSession`; each action checks what the
job's state allows and says what happened in a :class:`JobActionResult`, in the words
the console has always used, so every face reports the same outcome.
"""

from __future__ import annotations

from typing import Protocol

from ftltui.console.results import JobActionResult
from ftltui.jobs.again import failed_run_hosts
from ftltui.jobs.model import TERMINAL, Job
from ftltui.jobs.playbook_kind import rerun_from_failure
from ftltui.jobs.queue import JobQueue

RUN_KIND, WORKFLOW_KIND, PLAYBOOK_KIND = "run", "workflow", "playbook"
REQUEUABLE = frozenset({"dead", "failed", "cancelled", "upstream_failed"})
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

    async def job_action(self, action: str, job_id: int) -> JobActionResult:
        """Run one of :data:`ACTIONS` on ``job_id`` (a read-only session refuses them all)."""
        self.check_write(action if action in ACTIONS else "job action")
        job = self.jobs.get(job_id)
        if job is None:
            return JobActionResult(action, job_id, False, f"no job {job_id}")
        if action == "cancel":
            ok = await self.cancel(job_id)
            return JobActionResult(action, job_id, ok, f"job {job_id}: cancel requested" if ok
                                   else f"job {job_id} is not running")
        if action in ("retry", "rerun", "requeue"):
            problem = self._origin_problem(job)
            if problem is not None:  # its pattern resolves only in its own inventory (hR finding 3)
                return JobActionResult(action, job_id, False, problem)
        if action in ("retry", "rerun") and job.kind == PLAYBOOK_KIND:
            return await self._rerun_playbook(action, job)
        if action in ("retry", "rerun", "requeue"):
            fn = {"retry": self.retry, "rerun": self.rerun_failed, "requeue": self.requeue}[action]
            new = await fn(job_id)
            if new is None:
                return JobActionResult(action, job_id, False, f"job {job_id}: nothing to {action} (must be finished"
                                       + (", with failed hosts)" if action == "rerun" else ")"))
            return JobActionResult(action, job_id, True, f"job {new.id} queued ({action} of {job_id})", new)
        if action == "purge":
            ok = await self.purge(job_id)
            return JobActionResult(action, job_id, ok, f"job {job_id} purged" if ok else f"job {job_id} is still active")
        return JobActionResult(action, job_id, False, f"unknown job action {action!r}")

    def _origin_problem(self, job: Job) -> str | None:
        """Why ``job`` may not run again on this session's inventory (:mod:`ftltui.jobs.origin`)."""
        from ftltui.jobs.origin import mismatch

        executor = self.queue.executor if self.queue is not None else None
        return mismatch(job.spec, executor.inventory if executor is not None else None, job.id)

    async def _rerun_playbook(self, action: str, job: Job) -> JobActionResult:
        """Re-run from failure: the stored content, on the failed/unreachable hosts only (a
        playbook never runs again on hosts that finished it; requeue runs it everywhere)."""
        if not job.terminal or self.queue is None:
            return JobActionResult(action, job.id, False, f"job {job.id} is still {job.state}")
        new = await rerun_from_failure(self.queue, job)
        if new is None:
            return JobActionResult(action, job.id, False, f"job {job.id}: every host finished the playbook; "
                                                          "nothing to re-run (u requeues it on all)")
        self._known(new)
        return JobActionResult(action, job.id, True,
                               f"job {new.id} queued (re-run of {job.id} on {new.spec['options']['limit']})", new)

    async def cancel(self, job_id: int) -> bool:
        self.check_write("cancel")
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state in TERMINAL:
            return False
        await self.queue.cancel(job_id)
        return True

    async def retry(self, job_id: int) -> Job | None:
        """Run a finished job again, same spec, as a new linked job."""
        self.check_write("retry")
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return None
        return self._known(await self.queue.requeue(job_id))

    async def rerun_failed(self, job_id: int) -> Job | None:
        """Re-run from failure: a run on the hosts that did not succeed; a workflow
        resumed after its succeeded steps."""
        self.check_write("rerun")
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return None
        if job.kind == WORKFLOW_KIND:
            if not job.steps:
                return await self.retry(job_id)
            new = await self.queue.requeue(job_id, spec=dict(job.spec, resume=dict(job.steps)))
        elif job.kind == RUN_KIND:  # the durable per-host ledger, as `jobs retry` reads it (not the view's)
            hosts = failed_run_hosts({"per_host": job.per_host}, self.queue.store.log_path(job.id))
            if not hosts:
                return None
            new = await self.queue.requeue(job_id, spec=dict(job.spec, pattern=",".join(hosts)))
        else:
            return None
        return self._known(new)

    async def requeue(self, job_id: int) -> Job | None:
        """Requeue from the dead letter (or a failed/cancelled job)."""
        self.check_write("requeue")
        job = self.jobs.get(job_id)
        if job is None or job.state not in REQUEUABLE:
            return None
        return await self.retry(job_id)

    async def purge(self, job_id: int) -> bool:
        """Archive one finished job out of the list."""
        self.check_write("purge")
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return False
        await self.queue.discard(job_id)
        self.jobs.pop(job_id, None)
        return True
