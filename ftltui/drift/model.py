"""Drift records: resources, snapshots, changes and the report that ranks them.

These are the values that cross layers (collector -> store -> diff -> classify ->
correlate -> renderers, CLI and TUI), so they are plain dataclasses with ``to_dict``
for JSON and nothing clever. Observed drift (snapshot vs snapshot) and desired-state
drift (declared vs actual, from a ``--check`` run) share :class:`Change`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
CATEGORIES: tuple[str, ...] = ("security", "network", "software", "service", "config", "system")
KINDS: tuple[str, ...] = ("added", "removed", "modified")


def severity_rank(severity: str) -> int:
    """Order of a severity name, low = 0; unknown names sort below low."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        return -1


@dataclass(frozen=True)
class Resource:
    """One piece of host state; ``(type, id)`` is stable across snapshots."""

    type: str
    id: str
    fields: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "fields": self.fields}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Resource:
        return cls(str(d["type"]), str(d["id"]), dict(d.get("fields") or {}))


@dataclass(frozen=True)
class SnapshotMeta:
    """The immutable index record of a snapshot; the resources live in a content file."""

    id: str
    host: str
    time: float  # epoch seconds, when collection finished
    collector_version: str
    content_hash: str  # sha256 of the canonical resources JSON (names the content file)
    count: int
    errors: tuple[str, ...] = ()
    job_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "time": self.time,
            "collector_version": self.collector_version,
            "content_hash": self.content_hash,
            "count": self.count,
            "errors": list(self.errors),
            "job_id": self.job_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SnapshotMeta:
        return cls(
            id=str(d["id"]),
            host=str(d["host"]),
            time=float(d["time"]),
            collector_version=str(d.get("collector_version", "")),
            content_hash=str(d["content_hash"]),
            count=int(d.get("count", 0)),
            errors=tuple(d.get("errors") or ()),
            job_id=d.get("job_id"),
        )


@dataclass(frozen=True)
class Snapshot:
    meta: SnapshotMeta
    resources: tuple[Resource, ...]

    @property
    def host(self) -> str:
        return self.meta.host


@dataclass(frozen=True)
class FieldChange:
    """One field that differs, by dot-path (``fields.members``, ``fields.content``)."""

    path: str
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass
class Change:
    """One drifted resource on one host, classified.

    ``source`` is ``observed`` (snapshot vs snapshot) or ``declared`` (a check run
    would change it). ``diff`` is a unified diff for text content, else "".
    """

    host: str
    type: str
    id: str
    kind: str  # added | removed | modified
    fields: list[FieldChange] = field(default_factory=list)
    diff: str = ""
    category: str = "config"
    severity: str = "low"
    rule: str = ""  # name of the classification rule that decided category/severity
    source: str = "observed"
    summary: str = ""

    def signature(self) -> tuple[Any, ...]:
        """What makes two hosts' changes "the same change" for correlation."""
        return (
            self.type,
            self.id,
            self.kind,
            tuple((f.path, _freeze(f.before), _freeze(f.after)) for f in self.fields),
            self.diff,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "type": self.type,
            "id": self.id,
            "kind": self.kind,
            "category": self.category,
            "severity": self.severity,
            "rule": self.rule,
            "source": self.source,
            "summary": self.summary,
            "fields": [f.to_dict() for f in self.fields],
            "diff": self.diff,
        }


@dataclass
class GroupedChange:
    """The same change seen on one or more hosts (``hosts`` sorted)."""

    change: Change  # the representative; its ``host`` is the first host
    hosts: list[str]

    @property
    def severity(self) -> str:
        return self.change.severity

    def to_dict(self) -> dict[str, Any]:
        d = self.change.to_dict()
        del d["host"]
        return {"hosts": list(self.hosts), **d}


@dataclass
class Comparison:
    """Which two snapshots were compared for one host (``before`` may be None).

    ``error``: the stored snapshots could not be read, so this host was not compared.
    ``scan_failed``: the host's last scan (``{"time", "reason"}``) failed after its latest
    snapshot, so what is shown for it is older than that attempt (or nothing).
    """

    host: str
    before: str | None
    after: str | None
    basis: str  # baseline | group-baseline | previous | explicit | since | none
    error: str = ""
    scan_failed: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"host": self.host, "before": self.before, "after": self.after, "basis": self.basis}
        if self.error:
            d["error"] = self.error
        if self.scan_failed:
            d["scan_failed"] = {"time": self.scan_failed.get("time"), "reason": self.scan_failed.get("reason", "")}
        return d


@dataclass
class DriftReport:
    generated_at: float
    comparisons: list[Comparison] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # after ignore + threshold
    groups: list[GroupedChange] = field(default_factory=list)
    ignored: int = 0
    below_threshold: int = 0
    min_severity: str = "low"
    warnings: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)  # host -> why it was not scanned or compared

    @property
    def has_drift(self) -> bool:
        return bool(self.changes)

    @property
    def unreadable(self) -> list[str]:
        """Hosts whose stored snapshots could not be read (their drift is unknown)."""
        return [c.host for c in self.comparisons if c.error]

    @property
    def unscanned(self) -> list[str]:
        """Hosts whose last scan failed (unreachable, ...)."""
        return [c.host for c in self.comparisons if c.scan_failed]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in reversed(SEVERITIES)}
        for c in self.changes:
            out[c.severity] = out.get(c.severity, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "min_severity": self.min_severity,
            "counts": self.counts(),
            "hosts": len(self.comparisons),
            "changes_total": len(self.changes),
            "ignored": self.ignored,
            "below_threshold": self.below_threshold,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "groups": [g.to_dict() for g in self.groups],
            "warnings": list(self.warnings),
        }


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v
