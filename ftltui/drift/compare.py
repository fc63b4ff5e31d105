"""Build a drift report: pick the two snapshots per host, diff, ignore, classify, group.

Which snapshots: ``--from``/``--to`` ids when given; ``--since TIME`` compares the
last snapshot at or before TIME with the latest; otherwise the latest is compared with
the host's pinned baseline (its own, else a group's), else with the previous snapshot.
"""

from __future__ import annotations

import datetime as dt
import re
import time as _time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ftltui.drift.classify import Rule, classify
from ftltui.drift.correlate import correlate
from ftltui.drift.diff import diff_maps
from ftltui.drift.ignore import IgnoreRule, apply_ignore
from ftltui.drift.model import Change, Comparison, DriftReport, SnapshotMeta, severity_rank
from ftltui.drift.store import SnapshotStore
from ftltui.engine.sanitize import safe_text
from ftltui.errors import DriftConfigError, StateError


@dataclass
class Selection:
    """What to compare: explicit ids, a time, or the defaults."""

    from_id: str | None = None
    to_id: str | None = None
    since: float | None = None


@dataclass
class ReportOptions:
    min_severity: str = "low"
    rules: Sequence[Rule] = ()
    ignore: Sequence[IgnoreRule] = ()
    today: dt.date | None = None
    now: float | None = None
    extra_changes: list[Change] = field(default_factory=list)  # e.g. desired-state drift


_REL = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str, now: float | None = None) -> float:
    """``2h``/``3d`` ago, or an ISO date/time (UTC if no zone) -> epoch seconds."""
    m = _REL.match(text.strip())
    if m:
        return (now if now is not None else _time.time()) - int(m.group(1)) * _UNIT[m.group(2)]
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise DriftConfigError(f"--since: expected an ISO date/time or an age like 2h, 3d; got {text!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


def pick(store: SnapshotStore, host: str, groups: Iterable[str], sel: Selection) -> Comparison:
    """The (before, after) snapshot ids to compare for one host, and why."""
    if sel.from_id or sel.to_id:
        after = store.meta(sel.to_id) if sel.to_id else store.latest(host)
        before = store.meta(sel.from_id) if sel.from_id else (store.previous(after) if after else None)
        return Comparison(host, before.id if before else None, after.id if after else None, "explicit")
    after = store.latest(host)
    if after is None:
        return Comparison(host, None, None, "none")
    if sel.since is not None:
        before = store.at_or_before(host, sel.since)
        if before is None:
            ms = store.metas(host)
            before = ms[0] if ms else None
        return Comparison(host, before.id if before else None, after.id, "since")
    base, basis = store.baseline_for(host, groups)
    if base is not None:
        return Comparison(host, base, after.id, basis)
    prev = store.previous(after)
    return Comparison(host, prev.id if prev else None, after.id, "previous")


Maps = dict[str, dict[tuple[str, str], dict[str, Any]]]


def host_changes(store: SnapshotStore, comp: Comparison, cache: Maps | None = None) -> list[Change]:
    """The raw (unclassified) changes of one comparison; ``cache`` keeps loaded snapshots."""
    if comp.before is None or comp.after is None or comp.before == comp.after:
        return []
    cache = cache if cache is not None else {}
    for i in (comp.before, comp.after):
        if i not in cache:
            try:
                cache[i] = store.load_map(i)
            except StateError as exc:
                raise StateError(f"snapshot {i} is unreadable ({exc})") from None
    if store.meta(comp.before).content_hash == store.meta(comp.after).content_hash:
        return []  # same content: nothing to compare
    return diff_maps(comp.host, cache[comp.before], cache[comp.after], store.content)


def finish_report(raw: Iterable[Change], comparisons: list[Comparison], opts: ReportOptions) -> DriftReport:
    """Ignore, classify, apply the threshold and correlate already-diffed changes."""
    kept, ignored, warnings = apply_ignore(raw, list(opts.ignore), opts.today)
    classify(kept, opts.rules)
    threshold = severity_rank(opts.min_severity)
    shown = [c for c in kept if severity_rank(c.severity) >= threshold]
    shown.sort(key=lambda c: (-severity_rank(c.severity), c.host, c.type, c.id))
    return DriftReport(
        generated_at=opts.now if opts.now is not None else _time.time(),
        comparisons=comparisons,
        changes=shown,
        groups=correlate(shown),
        ignored=ignored,
        below_threshold=len(kept) - len(shown),
        min_severity=opts.min_severity,
        warnings=warnings,
    )


def build_report(
    store: SnapshotStore,
    hosts: Sequence[tuple[str, Sequence[str]]],
    sel: Selection,
    opts: ReportOptions,
) -> DriftReport:
    """The drift report for ``hosts`` (name, groups) under ``sel`` and ``opts``."""
    comparisons: list[Comparison] = []
    raw: list[Change] = []
    cache: Maps = {}
    if sel.from_id and sel.to_id:
        # two explicit snapshots may belong to different hosts (compare web1 to web2)
        after = store.meta(sel.to_id)
        comp = Comparison(after.host, sel.from_id, sel.to_id, "explicit")
        comparisons.append(comp)
        raw.extend(host_changes(store, comp, cache))
    else:
        failures = store.failures()
        for host, groups in hosts:
            comp = pick(store, host, groups, sel)
            comparisons.append(comp)
            comp.scan_failed = _current_failure(store, comp, failures.get(host))
            try:  # one damaged snapshot costs its host's comparison, not the whole report
                raw.extend(host_changes(store, comp, cache))
            except StateError as exc:
                comp.error = str(exc)
    raw.extend(opts.extra_changes)
    report = finish_report(raw, comparisons, opts)
    for comp in comparisons:
        problems, notes = _host_warnings(store, comp)
        if problems:
            report.problems[comp.host] = problems
        report.warnings.extend(problems + notes)
    return report


def _current_failure(store: SnapshotStore, comp: Comparison, failure: dict[str, Any] | None) -> dict[str, Any] | None:
    """The host's last failed scan, when no snapshot was saved after it."""
    if failure is None:
        return None
    latest = store.latest(comp.host)
    return failure if latest is None or float(failure.get("time", 0)) >= latest.time else None


def _host_warnings(store: SnapshotStore, comp: Comparison) -> tuple[list[str], list[str]]:
    """(problems: the host could not be scanned or compared, other notes) for one host."""
    problems, out = [], []
    host = comp.host
    if comp.scan_failed:
        shown = f"; showing its snapshot of {_utc(store.meta(comp.after).time)}" if comp.after else ""
        reason = safe_text(str(comp.scan_failed.get("reason", "")), 500)  # the host's words: no escapes
        problems.append(f"{host}: could not be scanned at {_utc(float(comp.scan_failed.get('time', 0)))}: "
                        f"{reason}{shown}")
    if comp.error:
        problems.append(f"{host}: not compared: {safe_text(comp.error, 500)}; scan it again (ftl-tui drift scan {host})")
    if comp.after is not None:
        errors = store.meta(comp.after).errors
        if errors:
            more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
            out.append(f"{host}: collector could not read: {'; '.join(errors[:3])}{more}")
    if comp.after is None and not comp.scan_failed:
        out.append(f"{host}: no snapshot yet (run: ftl-tui drift scan {host})")
    elif comp.after is not None and comp.before is None and not comp.error:
        out.append(f"{host}: only one snapshot, nothing to compare it with")
    return problems, out


def _utc(ts: float) -> str:
    return f"{dt.datetime.fromtimestamp(ts, dt.timezone.utc):%Y-%m-%d %H:%M:%SZ}"


def meta_label(m: SnapshotMeta) -> str:
    return f"{m.id} {_utc(m.time)}"
