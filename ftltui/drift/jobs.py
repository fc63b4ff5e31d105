"""The ``drift_scan`` job kind: a scan of many hosts is one job with progress.

The job's spec is JSON (``{"pattern", "hosts", "drift_config"}``) so it survives a
restart; the handler resolves the hosts again through the queue's executor, runs
:func:`ftltui.drift.collect.scan` with the job id on every snapshot, reports
``done/total`` as each host's snapshot arrives, and leaves the snapshot ids in the
job's summary. A scan that saved a snapshot of every host succeeded; one with a host it
could not scan failed with the first such host's error kind, as a run with an unreachable
host does and as ``drift scan`` exits 2 for it (hD finding 7: it was recorded succeeded).
The snapshots it did save stay in the summary (``drift scan`` and the Drift pane read them).
Only a scan that saved nothing may be tried again (a policy with more than one attempt;
``ConsoleSession.submit_drift_scan`` gives one): another attempt scans every host again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from ftltui.drift.collect import Progress, ScanResult, scan
from ftltui.drift.config import DriftConfig, load_config
from ftltui.drift.events import DriftHostScanned
from ftltui.drift.store import SnapshotStore, open_store
from ftltui.inventory.model import Host

KIND = "drift_scan"


def scan_spec(pattern: str, hosts: Sequence[Host], drift_config: str | None) -> dict[str, Any]:
    return {"pattern": pattern, "hosts": [h.name for h in hosts], "drift_config": drift_config}


def make_handler(store: SnapshotStore | None = None, config: DriftConfig | None = None,
                 on_progress: Progress | None = None,
                 results: dict[int, ScanResult] | None = None) -> Callable[..., Any]:
    """A queue handler; ``store``/``config`` default to ones opened on the queue's state.

    ``results`` (job id -> full :class:`ScanResult`) lets an in-process caller read
    more than the job summary holds.
    """

    async def handle(job: Any, ctx: Any) -> Any:
        from ftltui.jobs.model import ERROR, OK, Outcome  # the glue between the two layers

        state_dir = Path(ctx.queue.store.path)
        snaps = store or open_store(state_dir, state=ctx.queue.store)
        cfg = config or load_config(ctx.spec.get("drift_config"), state_dir)
        inv = ctx.executor.inventory
        names = ctx.spec.get("hosts") or [h.name for h in inv.select(ctx.spec["pattern"])]
        hosts = [inv.hosts[n] for n in names if n in inv.hosts]

        def progress(done: int, total: int, host: str, ok: bool) -> None:
            ctx.progress(done, total)
            ctx.output(DriftHostScanned(host, ok))
            if on_progress is not None:
                on_progress(done, total, host, ok)

        ctx.progress(0, len(hosts))
        result = await scan(ctx.executor, hosts, snaps, cfg, job_id=str(job.id), on_progress=progress)
        if results is not None:
            results[job.id] = result
        summary = result.to_dict()
        summary["snapshots"] = {h: m["id"] for h, m in summary["snapshots"].items()}
        if result.cancelled:
            return Outcome("cancelled", message="cancelled", summary=summary)
        msg = f"{len(result.snapshots)} of {len(hosts)} host(s) scanned"
        if result.failed:  # its drift is unknown on those hosts: not a success
            host, reason = sorted(result.failed.items())[0]
            scanned = "no host scanned" if not result.snapshots else f"{msg}, {len(result.failed)} failed"
            return Outcome(ERROR, reason.split(":", 1)[0], f"{scanned}; {host}: {reason}"[:600], summary,
                           retry=not result.snapshots)
        return Outcome(OK, message=msg, summary=summary)

    return handle


def register(queue: Any, **kw: Any) -> None:
    """Register the ``drift_scan`` kind with a :class:`ftltui.jobs.JobQueue`."""
    queue.register_kind(KIND, make_handler(**kw))
