"""Collect snapshots: run the ``snapshot`` module on hosts through the executor.

Hosts may need different module arguments (their groups watch different paths), so
hosts are grouped by their arguments and each group is one executor run; the runs go
concurrently and share the executor's fork limit per run. Each host's snapshot is
saved as soon as its result arrives, so an interrupted scan keeps what it finished,
and ``on_progress(done, total, host, ok)`` is called for a job's progress bar. A host
that could not be scanned (unreachable, module failed) is recorded in the store with
the reason, so reports and the console list it instead of leaving it out.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ftltui.drift.config import DriftConfig
from ftltui.drift.model import Resource, SnapshotMeta
from ftltui.drift.store import SnapshotStore
from ftltui.engine.events import Event, HostFinished, HostResult
from ftltui.inventory.model import Host

Progress = Callable[[int, int, str, bool], None]


@dataclass
class ScanResult:
    snapshots: dict[str, SnapshotMeta] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # host -> reason
    run_ids: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshots": {h: m.to_dict() for h, m in sorted(self.snapshots.items())},
            "failed": dict(sorted(self.failed.items())),
            "run_ids": list(self.run_ids),
            "cancelled": self.cancelled,
        }


def _batches(hosts: Sequence[Host], config: DriftConfig) -> list[tuple[dict[str, Any], list[Host]]]:
    groups: dict[str, tuple[dict[str, Any], list[Host]]] = {}
    for h in hosts:
        params = config.collect_params(h.vars)
        key = json.dumps(params, sort_keys=True)
        groups.setdefault(key, (params, []))[1].append(h)
    return list(groups.values())


async def scan(
    executor: Any,
    hosts: Sequence[Host],
    store: SnapshotStore,
    config: DriftConfig,
    *,
    job_id: str | None = None,
    on_progress: Progress | None = None,
    clock: Callable[[], float] = time.time,
) -> ScanResult:
    """Snapshot every host; returns saved snapshot records and per-host failures."""
    out = ScanResult()
    total = len(hosts)
    done = 0
    saves: list[asyncio.Future[Any]] = []
    loop = asyncio.get_running_loop()

    def record(hr: HostResult) -> None:
        nonlocal done
        res = hr.result
        if hr.status in ("ok", "changed") and isinstance(res.get("resources"), list):
            resources = [Resource.from_dict(r) for r in res["resources"]]
            fut = loop.run_in_executor(
                None,
                lambda: store.save(
                    hr.host, resources, time=clock(), collector_version=str(res.get("collector_version", "")),
                    errors=[str(e) for e in res.get("errors") or ()], job_id=job_id,
                ),
            )
            fut.add_done_callback(functools.partial(_saved, out, hr.host))
            saves.append(fut)
            ok = True
        else:
            reason = f"{hr.error_kind or hr.status}: {hr.msg or 'no snapshot returned'}"
            out.failed[hr.host] = reason
            if hr.status != "cancelled":  # a cancelled scan says nothing about the host
                saves.append(loop.run_in_executor(None, functools.partial(
                    store.record_failure, hr.host, time=clock(), reason=reason, job_id=job_id)))
            ok = False
        done += 1
        if on_progress is not None:
            on_progress(done, total, hr.host, ok)

    def on_event(ev: Event) -> None:
        if isinstance(ev, HostFinished):
            record(ev.result)

    runs = [executor.run(batch, "snapshot", params, on_event=on_event) for params, batch in _batches(hosts, config)]
    try:
        results = await asyncio.gather(*runs)
    finally:
        if saves:
            await asyncio.gather(*saves, return_exceptions=True)
    for r in results:
        out.run_ids.append(r.run_id)
        out.cancelled = out.cancelled or r.cancelled
    return out


def _saved(out: ScanResult, host: str, fut: asyncio.Future[Any]) -> None:
    if fut.cancelled():
        out.failed[host] = "cancelled before the snapshot was saved"
    elif fut.exception() is not None:
        out.failed[host] = f"could not save snapshot: {fut.exception()}"
    else:
        out.snapshots[host] = fut.result()
