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

from ftltui.errors import FtlError, StateError
from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs.model import ACTIVE, ERROR, OK, TERMINAL, Job, Outcome
from ftltui.jobs.retry import TRANSIENT_KINDS

Sink = Callable[[Any], None]
RUN_KIND = "run"


async def run_handler(job: Job, ctx: Any) -> Outcome:
    """The ``run`` job kind: one module on the job's hosts through the shared executor."""
    spec = ctx.spec
    inv = ctx.executor.inventory
    hosts = [inv.hosts[h] for h in spec.get("hosts") or [] if h in inv.hosts] or spec["pattern"]
    total = len(hosts) if isinstance(hosts, list) else len(inv.select(hosts))
    ctx.progress(0, total)
    res = await ctx.executor.run(hosts, spec["module"], spec.get("args") or {}, check=bool(spec.get("check")),
                                 timeout=spec.get("timeout"), on_event=ctx.output)
    summary = {"counts": {k: v for k, v in res.counts.items() if v},
               "hosts": {h: r.status for h, r in res.results.items()}}
    if res.cancelled:
        return Outcome("cancelled", message="cancelled", summary=summary)
    if res.ok:
        return Outcome(OK, message=f"{len(res.results)} host(s) ok", summary=summary)
    bad = res.hosts_with("failed", "unreachable", "cancelled")
    kinds = [res.results[h].error_kind for h in bad if res.results[h].error_kind]
    # transient (retried by the policy) only when every failure is transient
    lasting = [k for k in kinds if k not in TRANSIENT_KINDS]
    kind = lasting[0] if lasting else (kinds[0] if kinds else None)
    return Outcome(ERROR, kind, f"{len(bad)} host(s) failed: {', '.join(bad[:5])}", summary)


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
        self.queue: JobQueue | None = None
        self.warning: str | None = None
        self._executor: Any = None
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
        self.queue.register_kind(RUN_KIND, run_handler)
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
        self.sink(event)

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
                         *, check: bool = False, parent: int | None = None) -> Job:
        """Queue an ad hoc module run; bad module/args raise before a job exists."""
        from ftltui.engine.executor import precheck_args

        spec = self.executor.module_spec(module)
        precheck_args(spec, dict(args or {}))
        hosts = [h.name for h in self._resolve(target)]
        pattern = target if isinstance(target, str) else ",".join(target)
        await self.ready()
        assert self.queue is not None
        title = f"{module} on {pattern}" + (" (check)" if check else "")
        secrets = [str((args or {})[n]) for n in spec.secret_args() if (args or {}).get(n)]
        job = await self.queue.enqueue(RUN_KIND, {"pattern": pattern, "hosts": hosts, "module": module,
                                                  "args": dict(args or {}), "check": check},
                                       title=title, hosts=hosts, parent=parent, secrets=secrets)
        self.jobs[job.id] = job
        return job

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
        """Re-run from failure: a run job on only the hosts that did not succeed."""
        job = self.jobs.get(job_id)
        if self.queue is None or job is None or job.state not in TERMINAL or job.kind != RUN_KIND:
            return None
        results = (job.summary or {}).get("hosts") or {}
        hosts = [h for h in job.hosts if results.get(h) not in ("ok", "changed", "skipped")]
        if not hosts:
            return None
        spec = dict(job.spec, hosts=hosts, pattern=",".join(hosts))
        new = await self.queue.requeue(job_id, spec=spec)
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

    def drift_report(self, pattern: str = "all") -> Any:
        """The classified drift of ``pattern`` now (latest vs baseline, else previous)."""
        from ftltui.drift.compare import ReportOptions, Selection, build_report
        from ftltui.drift.ignore import load_ignore

        cfg = self.drift_config()
        rules = load_ignore(cfg.ignore_file) if cfg.ignore_file else []
        hosts = self._resolve(pattern)
        return build_report(self.snapshots, [(h.name, h.groups) for h in hosts], Selection(),
                            ReportOptions(rules=cfg.rules, ignore=rules))

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

        from ftltui.drift.ignore import accept_lines

        report = self.drift_report(pattern)
        lines = accept_lines(report.changes, reason, None)
        if not lines:
            return 0
        path = self.drift_config().ignore_file
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"# accepted {stamp} in the console: {len(report.changes)} change(s)\n")
            fh.write("\n".join(lines) + "\n")
        return len(report.changes)


def validate_run_args(module: str, raw: dict[str, Any]) -> str | None:
    """The run form's as-you-type check: ``None`` when valid, else the one-line error.

    Arguments holding ``{{ templates }}`` are checked structurally only (their type is
    known after rendering, per host), as the executor does.
    """
    from ftltui import modules
    from ftltui.engine.executor import precheck_args

    try:
        spec = modules.spec(module)
    except KeyError:
        return f"unknown module {module!r}"
    try:
        precheck_args(spec, raw)
    except FtlError as exc:
        return str(exc)
    return None
