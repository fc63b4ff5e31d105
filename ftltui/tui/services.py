"""The console's service layer: what the TUI may ask of the engine, jobs and drift.

The TUI never touches the executor directly. Runs and drift scans are jobs in the
durable :class:`~ftltui.jobs.JobQueue` (state dir), so they persist, show in the Jobs
pane after a restart and can be cancelled, retried and requeued. Queue events
(``ftltui.jobs.events``, engine events wrapped in ``JobOutput``) go to ``sink``; the
app batches them. One long-lived Executor serves every job, so SSH connections and
gates are reused. Plain Python: no textual.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from ftltui.ansible_modules.docs import controller_spec
from ftltui.errors import FtlError, StateError
from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs.model import ACTIVE, TERMINAL, Job

Sink = Callable[[Any], None]
RUN_KIND = "run"
WORKFLOW_KIND = "workflow"


class ConsoleServices:
    def __init__(self, inventory: Any, state_dir: Path | None = None, *, clock: Callable[[], float] = time.time,
                 sink: Sink | None = None, forks: int = 50, concurrency: int = 8) -> None:
        self.inventory = inventory
        self.state_dir = Path(state_dir) if state_dir is not None else Path(tempfile.mkdtemp(prefix="ftl-tui-"))
        self.clock = clock
        self.sink: Sink = sink or (lambda ev: None)
        self.forks = forks
        self.concurrency = concurrency
        self.jobs: dict[int, Job] = {}
        self.host_status: dict[str, str] = {}
        self.job_hosts: dict[int, dict[str, str]] = {}  # job -> host -> last status (this session)
        self.queue: JobQueue | None = None
        self.warning: str | None = None
        self._executor: Any = None
        self.ssh_options: dict[str, Any] = {}  # e.g. key_passphrase (tui/key_prompt.py), set by the app
        self.var_defaults: dict[str, Any] = {}  # ansible.cfg's settings as the lowest var layer
        self._ready = asyncio.Event()
        self._snapshots: Any = None

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        """Open the state store (in a thread: disk) and start the queue's workers."""
        from ftltui.state import StateStore

        try:
            store = await asyncio.to_thread(StateStore.open, self.state_dir, False, 0)
        except (StateError, OSError) as exc:
            # another ftl-tui holds the state: keep working, on a private store
            self.warning = f"{exc}; jobs of this session are kept in a temporary state dir"
            self.state_dir = Path(tempfile.mkdtemp(prefix="ftl-tui-"))
            store = await asyncio.to_thread(StateStore.open, self.state_dir, False, 0)
        from ftltui.drift import jobs as drift_jobs

        self.queue = JobQueue(store, executor=self.executor, concurrency=self.concurrency)
        from ftltui.jobs.kinds import register_builtin

        register_builtin(self.queue)  # run + workflow
        drift_jobs.register(self.queue)
        self.queue.bus.subscribe(self._on_queue_event)
        await self.queue.start()
        for job in self.queue.list():
            self.jobs[job.id] = job
        self._ready.set()

    async def ready(self) -> None:
        await self._ready.wait()

    async def close(self) -> None:
        if self.queue is not None:
            await self.queue.stop(cancel_running=True)
            self.queue.store.close()
        if self._snapshots is not None:
            try:
                self._snapshots.close()
            except Exception:
                pass
        if self._executor is not None:
            await self._executor.close()

    def _on_queue_event(self, event: Any) -> None:
        q = self.queue
        if q is not None and hasattr(event, "job_id"):
            job = q._jobs.get(event.job_id) or self.jobs.get(event.job_id)  # noqa: SLF001 - live record
            if job is None or getattr(event, "state", None):
                job = q.get(event.job_id)
            if job is not None:
                self.jobs[job.id] = job
        inner = getattr(event, "event", None)
        if inner is not None and type(inner).__name__ == "HostFinished":
            self.host_status[inner.host] = inner.result.status
            self.job_hosts.setdefault(event.job_id, {})[inner.host] = inner.result.status
        self.sink(event)

    # -- engine ----------------------------------------------------------------------
    @property
    def executor(self) -> Any:
        if self._executor is None:
            from ftltui.engine.executor import Executor

            self._executor = Executor(self.inventory, forks=self.forks, var_defaults=self.var_defaults,
                                      ssh_options=self.ssh_options)
        return self._executor

    def set_inventory(self, inventory: Any) -> None:
        self.inventory = inventory
        if self._executor is not None:
            self._executor.inventory = inventory

    @property
    def facts(self) -> dict[str, dict[str, Any]]:
        return self._executor.facts if self._executor is not None else {}

    def connections_open(self) -> tuple[int, int]:
        """(SSH connections open, of which jump hosts carrying tunnels), from the pool."""
        if self._executor is None:
            return 0, 0
        runner = self._executor._runners.get("ssh")  # noqa: SLF001 - read-only peek
        pool = getattr(runner, "pool", None)
        if pool is None or not hasattr(pool, "stats"):
            return 0, 0
        st = pool.stats()
        return int(st.get("connections", 0)), int(st.get("tunnels", 0))

    def running(self) -> int:
        return sum(1 for j in self.jobs.values() if j.state in ACTIVE)

    # -- jobs ------------------------------------------------------------------------
    async def submit_run(self, target: str | list[str], module: str, args: dict[str, Any] | None = None,
                         *, check: bool = False, parent: int | None = None,
                         become: dict[str, Any] | None = None) -> Job:
        """Queue an ad hoc module run; bad module/args raise before a job exists."""
        from ftltui.engine.executor import precheck_args
        from ftltui.jobs.kinds import enqueue_run

        spec = self.executor.module_spec(module)
        precheck_args(spec, dict(args or {}))
        pattern = target if isinstance(target, str) else ",".join(target)
        if not self._resolve(target):
            raise FtlError(f"no hosts matched {pattern!r}")
        await self.ready()
        assert self.queue is not None
        job = await enqueue_run(self.queue, pattern, module, dict(args or {}), check=check, parent=parent,
                                become=become)
        self.jobs[job.id] = job
        return job

    async def submit_workflow(self, path: str, *, check: bool = False) -> Job:
        """Queue a workflow file; it is validated first (a bad file never becomes a job)."""
        from ftltui.jobs.kinds import enqueue_workflow

        await self.ready()
        assert self.queue is not None
        job = await enqueue_workflow(self.queue, path, check=check)
        self.jobs[job.id] = job
        return job

    def workflow_steps(self, job: Job) -> dict[str, dict[str, Any]]:
        """Step name -> {state, needs}: the DAG of a workflow job (file order), with live states."""
        if job.kind != WORKFLOW_KIND:
            return {}
        deps: dict[str, list[str]] = {}
        try:
            from ftltui.jobs.workflow import load_workflow

            wf = load_workflow(job.spec["file"], self.inventory)
            deps = {n: list(st.depends_on) for n, st in wf.steps.items()}
        except (FtlError, OSError, KeyError):
            pass  # the file moved or changed: show the recorded steps without edges
        names = list(deps) + [n for n in (job.steps or {}) if n not in deps]
        return {n: {"state": (job.steps or {}).get(n, {}).get("state", "queued"), "needs": deps.get(n, [])}
                for n in names}

    def host_results(self, job: Job) -> dict[str, str]:
        """Per-host outcome of a run job: from this session's events, else the summary."""
        return dict(self.job_hosts.get(job.id) or (job.summary or {}).get("hosts") or {})

    def _resolve(self, target: str | list[str]) -> list[Any]:
        if isinstance(target, str):
            return list(self.inventory.select(target))
        return [self.inventory.hosts[n] for n in target if n in self.inventory.hosts]

    async def cancel(self, job_id: int) -> bool:
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state in TERMINAL:
            return False
        await self.queue.cancel(job_id)
        return True

    async def retry(self, job_id: int) -> Job | None:
        """Run a finished job again, same spec, as a new linked job."""
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return None
        new = await self.queue.requeue(job_id)
        self.jobs[new.id] = new
        return new

    async def rerun_failed(self, job_id: int) -> Job | None:
        """Re-run from failure: a run on the hosts that did not succeed; a workflow
        resumed after its succeeded steps."""
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return None
        if job.kind == WORKFLOW_KIND:
            if not job.steps:
                return await self.retry(job_id)
            new = await self.queue.requeue(job_id, spec=dict(job.spec, resume=dict(job.steps)))
        elif job.kind == RUN_KIND:
            results = self.host_results(job)
            hosts = [h for h in job.hosts if results.get(h) not in ("ok", "changed", "skipped")]
            if not hosts:
                return None
            new = await self.queue.requeue(job_id, spec=dict(job.spec, pattern=",".join(hosts)))
        else:
            return None
        self.jobs[new.id] = new
        return new

    async def requeue(self, job_id: int) -> Job | None:
        """Requeue from the dead letter (or a failed/cancelled job)."""
        job = self.jobs.get(job_id)
        if job is None or job.state not in ("dead", "failed", "cancelled", "upstream_failed"):
            return None
        return await self.retry(job_id)

    async def purge(self, job_id: int) -> bool:
        """Archive one finished job out of the list."""
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL:
            return False
        await self.queue.discard(job_id)
        self.jobs.pop(job_id, None)
        return True

    # -- drift ------------------------------------------------------------------------
    @property
    def snapshots(self) -> Any:
        if self._snapshots is None:
            from ftltui.drift.store import open_store

            assert self.queue is not None
            self._snapshots = open_store(self.state_dir, state=self.queue.store)
        return self._snapshots

    async def drift_scan(self, pattern: str) -> Job:
        from ftltui.drift.jobs import KIND, scan_spec

        hosts = self._resolve(pattern)
        if not hosts:
            raise FtlError(f"no hosts matched {pattern!r}")
        await self.ready()
        assert self.queue is not None
        spec = scan_spec(pattern, hosts, None)
        job = await self.queue.enqueue(KIND, spec, title=f"drift scan {pattern}", hosts=spec["hosts"],
                                       retry=RetryPolicy(max_attempts=1))
        self.jobs[job.id] = job
        return job

    def drift_config(self) -> Any:
        from ftltui.drift.config import load_config

        return load_config(None, self.state_dir)

    def _report_inputs(self, pattern: str) -> tuple[list[tuple[str, Any]], Any]:
        """The hosts of ``pattern`` and the report options (rules, ignore file) for a drift report."""
        from ftltui.drift.compare import ReportOptions
        from ftltui.drift.ignore import load_ignore

        cfg = self.drift_config()
        rules = load_ignore(cfg.ignore_file) if cfg.ignore_file else []
        hosts = [(h.name, h.groups) for h in self._resolve(pattern)]
        return hosts, ReportOptions(rules=cfg.rules, ignore=rules)

    def drift_report(self, pattern: str = "all") -> Any:
        """The classified drift of ``pattern`` now (latest vs baseline, else previous)."""
        from ftltui.drift.compare import Selection, build_report

        hosts, options = self._report_inputs(pattern)
        return build_report(self.snapshots, hosts, Selection(), options)

    async def job_history(self, job_id: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The last ``limit`` records of a job's output log, read off the loop."""
        import asyncio

        from ftltui.jobs.logfile import read_tail

        await self.ready()
        assert self.queue is not None
        return await asyncio.to_thread(read_tail, self.queue.store.log_path(job_id), limit)

    async def drift_report_async(self, pattern: str = "all") -> Any:
        """``drift_report`` with the slow part (loading and diffing snapshots) in a thread,
        on a frozen copy of the snapshot index: the console never waits on it."""
        import asyncio

        from ftltui.drift.compare import Selection, build_report
        from ftltui.drift.state_index import FrozenIndex, StateTableIndex
        from ftltui.drift.store import SnapshotStore

        live = self.snapshots
        if not isinstance(live.index, StateTableIndex):
            return self.drift_report(pattern)
        hosts, options = self._report_inputs(pattern)
        frozen = SnapshotStore(self.state_dir, FrozenIndex.of(live.index, live.TABLES))
        return await asyncio.to_thread(build_report, frozen, hosts, Selection(), options)

    def drift_pin(self, pattern: str) -> list[str]:
        """Pin each host's latest snapshot as its baseline; returns the hosts pinned."""
        pinned = []
        for h in self._resolve(pattern):
            meta = self.snapshots.latest(h.name)
            if meta is not None:
                self.snapshots.pin("host", h.name, meta.id)
                pinned.append(h.name)
        return pinned

    def drift_accept(self, pattern: str, reason: str = "accepted in the console") -> int:
        """Accept the drift shown now: append exact entries to the ignore file."""
        import datetime as dt

        from ftltui.drift.ignore import accept_lines, append_entries

        report = self.drift_report(pattern)
        lines = accept_lines(report.changes, reason, None)
        if not lines:
            return 0
        stamp = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        append_entries(self.drift_config().ignore_file,
                       f"accepted {stamp} in the console: {len(report.changes)} change(s)", lines)
        return len(report.changes)


def validate_run_args(module: str, raw: dict[str, Any]) -> str | None:
    """The run form's as-you-type check: ``None`` when valid, else the one-line error.

    Arguments holding ``{{ templates }}`` are checked structurally only (their type is
    known after rendering, per host), as the executor does.
    """
    from ftltui.engine.executor import precheck_args

    try:
        spec = controller_spec(module)
    except KeyError:
        return f"unknown module {module!r}"
    try:
        precheck_args(spec, raw)
    except FtlError as exc:
        return str(exc)
    return None
