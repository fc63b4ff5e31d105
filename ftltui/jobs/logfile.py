"""Reading a job's output log (``<state>/logs/<id>.jsonl``) back.

The console's Logs pane holds only what streamed in this session; after a restart the
history of a job is on disk. ``read_tail`` returns its last records without reading a
multi-gigabyte log whole, and skips a torn last line (a process killed mid-write).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 1 << 16


def read_tail(path: Path, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The last ``limit`` records of a JSON-lines log, oldest first, and whether older
    records were left out. A missing file is an empty log."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return [], False
    with fh:
        end = fh.seek(0, os.SEEK_END)
        pos, data = end, b""
        while pos > 0 and data.count(b"\n") <= limit:
            step = min(CHUNK, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
    lines = data.split(b"\n")
    if pos > 0:
        lines = lines[1:]  # the first piece may be the tail of an older line
    records: list[dict[str, Any]] = []
    for raw in lines:
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except ValueError:
            continue  # a torn line from a killed writer
        if isinstance(rec, dict):
            records.append(rec)
    truncated = pos > 0 or len(records) > limit
    return records[-limit:], truncated


# -- a job's log records, typed ------------------------------------------------------------
# The log is written here (jobs/context.JobLog: each event's ``to_dict()`` plus the job's own
# JobState/StepChanged/JobNote lines), so it is decoded here, once: a face matches on these
# types as it matches on the live events, never on ``rec["event"] == "HostFinished"``.

PLAYBOOK_RECORDS = frozenset({"PlayStarted", "TaskStarted", "HostTaskResult", "ItemResult", "HostOutput", "Included",
                              "TaskRetrying", "PauseStarted", "NoHostsMatched", "PlaybookWarning", "PlaybookFinished",
                              "JobNote"})


@dataclass(frozen=True)
class LoggedOutput:
    """A line a module printed (engine ``OutputLine``)."""

    ts: float
    step: str | None
    host: str
    stream: str  # "stdout" | "stderr"
    text: str


@dataclass(frozen=True)
class LoggedHostResult:
    """A host's result of a run (engine ``HostFinished``); ``result`` is the module's JSON."""

    ts: float
    step: str | None
    host: str
    run_id: str
    status: str
    duration: float
    result: Mapping[str, object]


@dataclass(frozen=True)
class LoggedRunStarted:
    """A module run began (engine ``RunStarted``): its module names the result lines' shape."""

    ts: float
    step: str | None
    run_id: str
    module: str
    hosts: int
    check: bool


@dataclass(frozen=True)
class LoggedWarning:
    """An engine ``Warning_`` for the operator."""

    ts: float
    host: str
    text: str


@dataclass(frozen=True)
class LoggedTransition:
    """The job's (``step`` None: ``JobState``) or a workflow step's (``StepChanged``) new state."""

    ts: float
    step: str | None
    state: str
    reason: str


@dataclass(frozen=True)
class LoggedPlaybookEvent:
    """A playbook event's record, as :mod:`ftltui.jobs.play_record` reads it (the matrix and
    its Logs lines take the record or the live event alike)."""

    ts: float
    record: Mapping[str, object]


LogRecord = LoggedOutput | LoggedHostResult | LoggedRunStarted | LoggedWarning | LoggedTransition | LoggedPlaybookEvent


@dataclass(frozen=True)
class JobHistory:
    """The last records of a job's log, typed, and whether older ones were left out."""

    records: tuple[LogRecord, ...]
    truncated: bool

    def playbook_records(self) -> list[dict[str, object]]:
        """The playbook events' records, for :meth:`PlayRecord.from_records` (the matrix)."""
        return [dict(r.record) for r in self.records if isinstance(r, LoggedPlaybookEvent)]


def _str(value: object) -> str:
    return "" if value is None else str(value)


def _step(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: object) -> float:
    if isinstance(value, (int, float, str)):  # a hand-edited log can hold anything
        try:
            return float(value)
        except ValueError:
            pass
    return 0.0


def decode_record(rec: Mapping[str, object]) -> LogRecord | None:
    """The typed record of one log line, ``None`` for one no face shows (RunFinished, a
    newer writer's event)."""
    ev, ts, step = rec.get("event"), _float(rec.get("ts")), _step(rec.get("step"))
    if ev == "OutputLine":
        return LoggedOutput(ts, step, _str(rec.get("host")), "stderr" if rec.get("stream") == "stderr" else "stdout",
                            _str(rec.get("text")))
    if ev == "HostFinished":
        r = rec.get("result")
        outcome: Mapping[str, object] = r if isinstance(r, Mapping) else {}
        inner = outcome.get("result")
        return LoggedHostResult(ts, step, _str(rec.get("host")), _str(rec.get("run_id")),
                                _str(outcome.get("status")) or "?", _float(outcome.get("duration")),
                                inner if isinstance(inner, Mapping) else {})
    if ev == "RunStarted":
        hosts = rec.get("hosts")
        return LoggedRunStarted(ts, step, _str(rec.get("run_id")), _str(rec.get("module")),
                                len(hosts) if isinstance(hosts, (list, tuple)) else 0, bool(rec.get("check")))
    if ev == "Warning_":
        return LoggedWarning(ts, _str(rec.get("host")), _str(rec.get("text")))
    if ev in ("JobState", "StepChanged"):
        return LoggedTransition(ts, _step(rec.get("step")) if ev == "StepChanged" else None,
                                _str(rec.get("state")), _str(rec.get("reason")))
    if ev in PLAYBOOK_RECORDS:
        return LoggedPlaybookEvent(ts, rec)
    return None


def decode_records(records: Iterable[Mapping[str, object]]) -> tuple[LogRecord, ...]:
    return tuple(r for r in map(decode_record, records) if r is not None)


def read_history(path: Path, limit: int) -> JobHistory:
    """:func:`read_tail`, decoded: what a face shows of a job that ran before it opened."""
    records, truncated = read_tail(path, limit)
    return JobHistory(decode_records(records), truncated)
