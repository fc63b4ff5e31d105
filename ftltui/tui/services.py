"""The console's service layer: what the TUI may ask of the engine, jobs and drift.

The TUI never touches the executor directly: it submits runs here and receives
domain events (``ftltui.jobs.events``) through ``sink``. Until the durable job queue
is wired in, :class:`ConsoleServices` keeps job records in memory (same ``Job``
record and the same events the queue emits) and runs them on the current asyncio
loop through one long-lived :class:`~ftltui.engine.executor.Executor`, so SSH
connections are reused across runs. Plain Python: no textual.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from ftltui.engine.events import Event, HostFinished, RunStarted
from ftltui.jobs import events as jev
from ftltui.jobs.model import (
    CANCELLED,
    CANCELLING,
    DEAD,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    TERMINAL,
    Job,
)

Sink = Callable[[Any], None]


class ConsoleServices:
    def __init__(self, inventory: Any, state_dir: Any = None, *, clock: Callable[[], float] = time.time,
                 sink: Sink | None = None, forks: int = 50) -> None:
        self.inventory = inventory
        self.state_dir = state_dir
        self.clock = clock
        self.sink: Sink = sink or (lambda ev: None)
        self.forks = forks
        self.jobs: dict[int, Job] = {}
        self.host_status: dict[str, str] = {}
        self._next_id = 1
        self._tasks: dict[int, asyncio.Task[Any]] = {}
        self._run_ids: dict[int, str] = {}
        self._executor: Any = None

    # -- engine ----------------------------------------------------------------------
    @property
    def executor(self) -> Any:
        if self._executor is None:
            from ftltui.engine.executor import Executor

            self._executor = Executor(self.inventory, forks=self.forks)
        return self._executor

    def set_inventory(self, inventory: Any) -> None:
        self.inventory = inventory
        if self._executor is not None:
            self._executor.inventory = inventory

    @property
    def facts(self) -> dict[str, dict[str, Any]]:
        return self._executor.facts if self._executor is not None else {}

    def connections_open(self) -> int:
        """SSH connections currently held by the executor's runner (0 before any)."""
        if self._executor is None:
            return 0
        runner = self._executor._runners.get("ssh")  # noqa: SLF001 - read-only peek
        for attr in ("connection_count", "open_connections"):
            value = getattr(runner, attr, None)
            if value is not None:
                return int(value() if callable(value) else value)
        conns = getattr(runner, "_conns", None) or getattr(runner, "_connections", None)
        return len(conns) if conns else 0

    def running(self) -> int:
        return sum(1 for j in self.jobs.values() if j.state in (RUNNING, CANCELLING, QUEUED))

    # -- jobs ------------------------------------------------------------------------
    def submit_run(self, target: str | list[str], module: str, args: dict[str, Any] | None = None,
                   *, check: bool = False, parent: int | None = None) -> Job:
        """Queue an ad hoc module run; validation errors raise before a job exists."""
        spec = self.executor.module_spec(module)
        from ftltui.engine.executor import precheck_args

        precheck_args(spec, dict(args or {}))
        hosts = [h.name for h in self._resolve(target)]
        pattern = target if isinstance(target, str) else ",".join(target)
        job_id = self._next_id
        self._next_id += 1
        now = self.clock()
        title = f"{module} on {pattern}" + (" (check)" if check else "")
        job = Job(id=job_id, kind="run", title=title, created=now, updated=now, hosts=hosts,
                  spec={"pattern": pattern, "module": module, "args": dict(args or {}), "check": check},
                  progress={"done": 0, "total": len(hosts)}, parent=parent, max_attempts=1)
        self.jobs[job_id] = job
        self._transition(job, QUEUED, "submitted")
        self._tasks[job_id] = asyncio.get_running_loop().create_task(self._run(job))
        return job

    def _resolve(self, target: str | list[str]) -> list[Any]:
        if isinstance(target, str):
            return list(self.inventory.select(target))
        return [self.inventory.hosts[n] for n in target if n in self.inventory.hosts]

    async def _run(self, job: Job) -> None:
        job.attempts += 1
        self._transition(job, RUNNING, f"attempt {job.attempts}")
        spec = job.spec
        target: Any = [self.inventory.hosts[h] for h in job.hosts if h in self.inventory.hosts]

        def on_event(event: Event) -> None:
            if isinstance(event, RunStarted):
                self._run_ids[job.id] = event.run_id
            if isinstance(event, HostFinished):
                job.progress["done"] += 1
                self.host_status[event.host] = event.result.status
                job.summary.setdefault("hosts", {})[event.host] = event.result.status
                self.sink(jev.JobProgress(job.id, done=job.progress["done"], total=job.progress["total"],
                                          ts=self.clock()))
            self.sink(jev.JobOutput(job.id, event=event, ts=self.clock()))

        try:
            res = await self.executor.run(target, spec["module"], spec["args"], check=spec["check"],
                                          on_event=on_event)
        except asyncio.CancelledError:
            self._transition(job, CANCELLED, "cancelled")
            return
        except Exception as exc:  # a bug or a user error surfaced late: the job fails, the UI lives
            job.reason = str(exc)
            self._transition(job, FAILED, str(exc))
            return
        finally:
            self._tasks.pop(job.id, None)
            self._run_ids.pop(job.id, None)
        job.summary["counts"] = {k: v for k, v in res.counts.items() if v}
        if res.cancelled:
            self._transition(job, CANCELLED, "cancelled")
        elif res.ok:
            self._transition(job, SUCCEEDED, "all hosts ok")
        else:
            bad = res.hosts_with("failed", "unreachable", "cancelled")
            job.error_kind = next((r.error_kind for r in res.results.values() if r.error_kind), None)
            self._transition(job, FAILED, f"{len(bad)} host(s) failed: {', '.join(bad[:5])}")

    def _transition(self, job: Job, state: str, reason: str) -> None:
        previous = job.state if job.history else ""
        job.state = state
        job.reason = reason
        job.updated = self.clock()
        job.history.append([state, job.updated, reason])
        cls = jev.EVENT_FOR_STATE.get(state)
        if cls is not None:
            self.sink(cls(job.id, state=state, previous=previous, reason=reason, ts=job.updated))

    def cancel(self, job_id: int) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.state in TERMINAL:
            return False
        run_id = self._run_ids.get(job_id)
        if run_id and self._executor is not None and self._executor.cancel(run_id):
            self._transition(job, CANCELLING, "cancel requested")
            return True
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()
            return True
        return False

    def retry(self, job_id: int) -> Job | None:
        """Run the same job again on every host."""
        job = self.jobs.get(job_id)
        if job is None or job.state not in TERMINAL:
            return None
        s = job.spec
        return self.submit_run(list(job.hosts), s["module"], s["args"], check=s["check"], parent=job.id)

    def rerun_failed(self, job_id: int) -> Job | None:
        """Re-run from failure: only the hosts that did not succeed."""
        job = self.jobs.get(job_id)
        if job is None or job.state not in TERMINAL:
            return None
        hosts = [h for h, st in job.summary.get("hosts", {}).items() if st not in ("ok", "changed", "skipped")]
        hosts = hosts or [h for h in job.hosts if h not in job.summary.get("hosts", {})]
        if not hosts:
            return None
        s = job.spec
        return self.submit_run(hosts, s["module"], s["args"], check=s["check"], parent=job.id)

    def requeue(self, job_id: int) -> Job | None:
        """Requeue from the dead letter (or any finished failure) as a fresh job."""
        job = self.jobs.get(job_id)
        if job is None or job.state not in (DEAD, FAILED, CANCELLED):
            return None
        return self.retry(job_id)

    def purge(self, job_id: int | None = None) -> int:
        """Forget finished jobs (one, or all finished when ``job_id`` is None)."""
        ids = [job_id] if job_id is not None else list(self.jobs)
        gone = 0
        for jid in ids:
            job = self.jobs.get(jid)
            if job is not None and job.state in TERMINAL:
                del self.jobs[jid]
                gone += 1
        return gone

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        if self._executor is not None:
            await self._executor.close()


def validate_run_args(module: str, raw: dict[str, Any]) -> str | None:
    """The run form's as-you-type check: ``None`` when valid, else the one-line error.

    Arguments holding ``{{ templates }}`` are checked structurally only (their type is
    known after rendering, per host), as the executor does.
    """
    from ftltui import modules
    from ftltui.engine.executor import precheck_args
    from ftltui.errors import FtlError

    try:
        spec = modules.spec(module)
    except KeyError:
        return f"unknown module {module!r}"
    try:
        precheck_args(spec, raw)
    except FtlError as exc:
        return str(exc)
    return None
