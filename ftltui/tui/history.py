"""Logs-pane line shapes, for the live stream and for a job's log read back from disk.

``FtlApp._engine_event`` (live events) and ``history_lines`` (``JobLog`` records after a
restart) build their lines with the same helpers, so a job's output reads the same
either way. Plain Python: no textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ftltui.engine.result_format import format_result
from ftltui.engine.sanitize import safe_text
from ftltui.jobs.logfile import (
    LoggedHostResult,
    LoggedOutput,
    LoggedPlaybookEvent,
    LoggedRunStarted,
    LoggedTransition,
    LoggedWarning,
    LogRecord,
)

MAX_LINE = 2000
HistoryLine = tuple[str, str, str, str, float]  # job, host, stream, text, ts


def host_label(host: str) -> str:
    """A host name as a log line shows it: an inventory can put escapes in a quoted name."""
    return host if host.isprintable() else safe_text(host)


def step_prefix(step: str | None) -> str:
    return f"[{step}] " if step else ""


def result_text(status: str, duration: float, msg: str, step: str | None, durations: bool = True, *,
                result: dict[str, Any] | None = None, module: str = "") -> str:
    """A host's result line: with ``result``, as ``ftl-tui run -o`` prints it (the one formatter:
    ``CHANGED (0.12s) | rc=0 | (stdout) hi``, ``SUCCESS (0.01s) => {"changed": false,"ping": "pong"}``);
    without, ``CHANGED (0.12s): first line of msg``."""
    if result is not None:
        line = format_result("", status, result, module=module, one_line=True).lines[0].removeprefix(" | ")
        word, sep, rest = line.partition(" ")
        dur = f" ({duration:.2f}s)" if durations else ""
        return safe_text(f"{step_prefix(step)}{word}{dur}{sep}{rest}", MAX_LINE)
    first = safe_text(msg.splitlines()[0], 300) if msg else ""
    dur = f" ({duration:.2f}s)" if durations else ""
    return f"{step_prefix(step)}{status.upper()}{dur}" + (f": {first}" if first else "")


def run_note(job: str, step: str | None, module: str, hosts: int, check: bool) -> str:
    where = f" step {step}" if step else ""
    return safe_text(f"job {job}{where}: {module} on {hosts} host(s)" + (" (check mode)" if check else ""))


def warning_note(text: str) -> str:
    return safe_text(f"warning: {text}", MAX_LINE)


def history_lines(job: str, records: Iterable[LogRecord], *, durations: bool = True) -> list[HistoryLine]:
    """A job's log read back (typed by :mod:`ftltui.jobs.logfile`) as the Logs pane's lines,
    built by the same helpers as the live ones."""
    out: list[HistoryLine] = []
    modules: dict[str, str] = {}  # run id -> module, for the result lines' shape
    for rec in records:
        ts = rec.ts
        match rec:
            case LoggedOutput(step=step, host=host, stream=stream, text=text):
                out.append((job, host_label(host), stream, safe_text(step_prefix(step) + text, MAX_LINE), ts))
            case LoggedHostResult(step=step, host=host, run_id=run_id, status=status, duration=duration,
                                  result=result):
                res = dict(result)
                text = result_text(status, duration, str(res.get("msg") or ""), step, durations, result=res,
                                   module=modules.get(run_id, ""))
                out.append((job, host_label(host), "status", text, ts))
            case LoggedRunStarted(step=step, run_id=run_id, module=module, hosts=hosts, check=check):
                modules[run_id] = module
                out.append((job, "", "note", run_note(job, step, module, hosts, check), ts))
            case LoggedWarning(host=host, text=text):
                out.append((job, host_label(host), "note", warning_note(text), ts))
            case LoggedPlaybookEvent(record=record):  # a playbook job's events, as the live Logs pane showed them
                from ftltui.jobs.play_record import log_lines

                out += [(*line, ts) for line in log_lines(job, dict(record), MAX_LINE)]
            case LoggedTransition(step=step, state=state, reason=reason):
                who = f"job {job} step {step}" if step is not None else f"job {job}"
                out.append((job, "", "note", safe_text(f"{who}: {state}" + (f" - {reason}" if reason else ""),
                                                       MAX_LINE), ts))
    return out
