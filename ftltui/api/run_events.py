"""Engine events back from a job's log records, for ``run``'s printers on the client side.

A run job logs every engine event as its ``to_dict()``; the client rebuilds the typed
events so that ``run``'s own :class:`TextPrinter`/:class:`JsonPrinter` print them as
they print events of an in-process run, and a :class:`RunResult` for the summary and
the exit status. Records of other kinds (job states, notes) are skipped.
"""

from __future__ import annotations

from typing import Any

from ftltui.engine.events import (
    Event,
    HostFinished,
    HostResult,
    HostStarted,
    OutputLine,
    RunFinished,
    RunStarted,
    Warning_,
)
from ftltui.engine.executor import RunResult


def engine_event(rec: dict[str, Any]) -> Event | None:
    """The typed engine event of a log record, ``None`` for records that are not one."""
    kind, run_id, ts = rec.get("event"), str(rec.get("run_id", "")), float(rec.get("ts") or 0.0)
    if kind == "RunStarted":
        return RunStarted(run_id, rec["module"], rec["pattern"], tuple(rec.get("hosts") or ()),
                          bool(rec.get("check")), dict(rec.get("args") or {}), ts=ts)
    if kind == "HostStarted":
        return HostStarted(run_id, rec["host"], ts=ts)
    if kind == "OutputLine":
        return OutputLine(run_id, rec["host"], rec.get("stream", "stdout"), rec.get("text", ""), ts=ts)
    if kind == "HostFinished":
        r = rec["result"]
        return HostFinished(run_id, rec["host"], HostResult(r["host"], r["status"], dict(r.get("result") or {}),
                                                            float(r.get("duration") or 0.0), r.get("error_kind")),
                            ts=ts)
    if kind == "Warning_":
        return Warning_(run_id, rec.get("host"), rec.get("text", ""), ts=ts)
    if kind == "RunFinished":
        return RunFinished(run_id, dict(rec.get("counts") or {}), float(rec.get("duration") or 0.0),
                           bool(rec.get("cancelled")), ts=ts)
    return None


class RunCollector:
    """Feeds each rebuilt event to the printer and keeps what the summary needs."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer
        self.run_id = ""
        self.results: dict[str, HostResult] = {}
        self.duration = 0.0
        self.cancelled = False
        self.job_state = ""

    def feed(self, rec: dict[str, Any]) -> None:
        if rec.get("event") == "JobState":
            self.job_state = str(rec.get("state", ""))
            self.cancelled = self.cancelled or self.job_state == "cancelled"
            return
        ev = engine_event(rec)
        if ev is None:
            return
        if isinstance(ev, RunStarted) and not self.run_id:
            self.run_id = ev.run_id
        elif isinstance(ev, HostFinished):
            self.results[ev.host] = ev.result
        elif isinstance(ev, RunFinished):
            self.duration += ev.duration
            self.cancelled = self.cancelled or ev.cancelled
        self.printer(ev)

    def result(self, module: str, pattern: str) -> RunResult:
        return RunResult(self.run_id, module, pattern, dict(self.results), self.duration, self.cancelled)
