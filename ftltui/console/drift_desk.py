"""The session's drift operations: reports, baselines and accepted drift of one state dir.

Kept apart from :mod:`ftltui.console.session` (jobs and lifecycle) because drift has
its own store and config; scans themselves are jobs and go through the session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, Callable

from ftltui.console.results import BaselinePin, BaselinePinned, BaselineRequest, DriftAccepted
from ftltui.drift.compare import ReportOptions, Selection, build_report
from ftltui.drift.config import DriftConfig, load_config
from ftltui.drift.ignore import accept_lines, append_entries, load_ignore, pin_key, read_pin_key
from ftltui.drift.model import DriftReport
from ftltui.drift.state_index import FrozenIndex, StateTableIndex
from ftltui.drift.store import SnapshotStore, open_store
from ftltui.errors import DriftConfigError
from ftltui.inventory.model import Host
from ftltui.state import StateStore


class DriftDesk:
    """Drift of the hosts ``resolve`` selects, on the snapshots of ``state_dir``.

    ``state``: the session's open state store (its snapshot store is shared with scan
    jobs); ``None`` for a desk on a directory another process owns: it opens the store
    itself, read-only when :attr:`readonly`."""

    readonly = False  # an attached session's desk reads the owner's store, never writes it

    def __init__(self, state_dir: Path, state: StateStore | None, resolve: Callable[[str], list[Host]],
                 clock: Callable[[], float]) -> None:
        self.state_dir = state_dir
        self._state = state
        self._resolve = resolve
        self._clock = clock
        self._snapshots: SnapshotStore | None = None
        self._accept_lock = asyncio.Lock()  # read-modify-write of the ignore file, one at a time

    @property
    def snapshots(self) -> SnapshotStore:
        """The state dir's snapshot store, opened on first use (shared with scan jobs)."""
        if self._snapshots is None:
            self._snapshots = open_store(self.state_dir, state=self._state, readonly=self.readonly)
        return self._snapshots

    def close(self) -> None:
        if self._snapshots is not None:
            try:
                self._snapshots.close()
            except Exception:  # closing must not hide the error that ended the session
                pass

    def config(self) -> DriftConfig:
        return load_config(None, self.state_dir)

    def _report_inputs(self, pattern: str) -> tuple[list[tuple[str, Any]], ReportOptions]:
        """The hosts of ``pattern`` and the report options (rules, ignore file)."""
        cfg = self.config()
        rules = load_ignore(cfg.ignore_file, read_pin_key(self.state_dir)) if cfg.ignore_file else []
        hosts = [(h.name, h.groups) for h in self._resolve(pattern)]
        return hosts, ReportOptions(rules=cfg.rules, ignore=rules)

    def report(self, pattern: str = "all") -> DriftReport:
        """The classified drift of ``pattern`` now (latest vs baseline, else previous)."""
        hosts, options = self._report_inputs(pattern)
        return build_report(self.snapshots, hosts, Selection(), options)

    async def report_async(self, pattern: str = "all") -> DriftReport:
        """:meth:`report` with the slow part (loading and diffing snapshots) in a thread,
        on a frozen copy of the snapshot index: the loop never waits on it."""
        live = self.snapshots
        if not isinstance(live.index, StateTableIndex):
            return self.report(pattern)
        hosts, options = self._report_inputs(pattern)
        frozen = SnapshotStore(self.state_dir, FrozenIndex.of(live.index, live.TABLES))
        return await asyncio.to_thread(build_report, frozen, hosts, Selection(), options)

    def pin(self, pattern: str) -> BaselinePinned:
        """Pin each host's latest snapshot as its baseline."""
        pinned = []
        for h in self._resolve(pattern):
            meta = self.snapshots.latest(h.name)
            if meta is not None:
                self.snapshots.pin("host", h.name, meta.id)
                pinned.append(h.name)
        return BaselinePinned(tuple(pinned))

    def set_baselines(self, request: BaselineRequest) -> tuple[BaselinePin, ...]:
        """Pin or clear the baselines ``request`` names (``ftl-tui drift baseline``); a
        request that cannot be carried out raises :class:`DriftConfigError` before any pin
        changes (every host's snapshot is found first)."""
        store = self.snapshots
        if request.group:
            if request.clear:
                store.unpin("group", request.group)
                return (BaselinePin("group", request.group, ""),)
            if not request.snapshot:
                raise DriftConfigError("--group needs --snapshot ID (the group's reference snapshot)")
            self._known_snapshot(request.snapshot)
            store.pin("group", request.group, request.snapshot)
            return (BaselinePin("group", request.group, request.snapshot),)
        if not request.hosts:
            raise DriftConfigError("expected a host pattern or --group GROUP")
        if request.clear:
            for name in request.hosts:
                store.unpin("host", name)
            return tuple(BaselinePin("host", name, "") for name in request.hosts)
        pins: list[BaselinePin] = []
        for name in request.hosts:
            latest = store.latest(name)
            snap = request.snapshot or (latest.id if latest is not None else None)
            if snap is None:
                raise DriftConfigError(f"{name}: no snapshot to pin (run: ftl-tui drift scan {name})")
            pins.append(BaselinePin("host", name, snap))
        if request.snapshot:
            self._known_snapshot(request.snapshot)
        for pin in pins:
            store.pin("host", pin.name, pin.snapshot)
        return tuple(pins)

    def _known_snapshot(self, snap_id: str) -> None:
        self.snapshots.meta(snap_id)  # StateError: "no snapshot with id ..." (as store.pin says)

    async def set_baselines_async(self, request: BaselineRequest) -> tuple[BaselinePin, ...]:
        """:meth:`set_baselines` off the loop (an attached face's desk asks the owner
        instead): a pattern of many hosts reads each host's latest snapshot and writes a
        durable pin per host, which would stall the owner's running jobs and every attached
        stream. In a thread, as scans save their snapshots; one at a time, with accepts."""
        async with self._accept_lock:
            return await asyncio.to_thread(self.set_baselines, request)

    async def accept_async(self, pattern: str, reason: str) -> DriftAccepted:
        """:meth:`accept` off the loop (an attached face's desk asks the owner instead): the
        report is built in a thread on a frozen index (:meth:`report_async`), and the ignore
        file is read and written in a thread; accepts run one at a time, so two clients'
        entries both land (each rewrites the whole file)."""
        async with self._accept_lock:
            report = await self.report_async(pattern)
            return await asyncio.to_thread(self._append_accepted, report, reason)

    def accept(self, pattern: str, reason: str) -> DriftAccepted:
        """Accept the drift shown now: append exact entries to the ignore file."""
        return self._append_accepted(self.report(pattern), reason)

    def _append_accepted(self, report: DriftReport, reason: str) -> DriftAccepted:
        lines = accept_lines(report.changes, reason, None, key=pin_key(self.state_dir))
        if not lines:
            return DriftAccepted(0)
        ignore_file = self.config().ignore_file or self.state_dir / "drift.ignore"  # load_config's default
        stamp = dt.datetime.fromtimestamp(self._clock(), dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        append_entries(ignore_file,
                       f"accepted {stamp} in the console: {len(report.changes)} change(s)", lines)
        return DriftAccepted(len(report.changes))
