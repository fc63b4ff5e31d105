"""Logs-pane line shapes, for the live stream and for a job's log read back from disk.

``FtlApp._engine_event`` (live events) and ``history_lines`` (``JobLog`` records after a
restart) build their lines with the same helpers, so a job's output reads the same
either way. Plain Python: no textual.
"""

from __future__ import annotations

from typing import Any

from ftltui.engine.result_format import format_result
from ftltui.engine.sanitize import safe_text

MAX_LINE = 2000
HistoryLine = tuple[str, str, str, str, float]  # job, host, stream, text, ts
PLAYBOOK_RECORDS = frozenset({"PlayStarted", "TaskStarted", "HostTaskResult", "ItemResult", "HostOutput", "Included",
                              "TaskRetrying", "PauseStarted", "NoHostsMatched", "PlaybookWarning", "PlaybookFinished", "JobNote"})


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


def history_lines(job: str, records: list[dict[str, Any]], *, durations: bool = True) -> list[HistoryLine]:
    out: list[HistoryLine] = []
    modules: dict[str, str] = {}  # run id -> module, for the result lines' shape
    for rec in records:
        ev, ts = rec.get("event"), float(rec.get("ts") or 0.0)
        step = rec.get("step")
        host = host_label(str(rec.get("host") or ""))
        if ev == "OutputLine":
            stream = "stderr" if rec.get("stream") == "stderr" else "stdout"
            out.append((job, host, stream, safe_text(step_prefix(step) + str(rec.get("text", "")), MAX_LINE), ts))
        elif ev == "HostFinished":
            r = rec.get("result") or {}
            inner = r.get("result")
            res: dict[str, Any] = inner if isinstance(inner, dict) else {}
            text = result_text(str(r.get("status", "?")), float(r.get("duration") or 0), str(res.get("msg") or ""),
                               step, durations, result=res, module=modules.get(str(rec.get("run_id")), ""))
            out.append((job, host, "status", text, ts))
        elif ev == "RunStarted":
            modules[str(rec.get("run_id"))] = str(rec.get("module") or "")
            out.append((job, "", "note", run_note(job, step, str(rec.get("module")), len(rec.get("hosts") or ()),
                                                  bool(rec.get("check"))), ts))
        elif ev == "Warning_":
            out.append((job, host, "note", warning_note(str(rec.get("text", ""))), ts))
        elif ev in PLAYBOOK_RECORDS:  # a playbook job's events, as the live Logs pane showed them
            from ftltui.jobs.play_record import log_lines

            out += [(*line, ts) for line in log_lines(job, rec, MAX_LINE)]
        elif ev in ("JobState", "StepChanged"):
            who = f"job {job} step {rec.get('step')}" if ev == "StepChanged" else f"job {job}"
            reason = f" - {rec['reason']}" if rec.get("reason") else ""
            out.append((job, "", "note", safe_text(f"{who}: {rec.get('state')}{reason}", MAX_LINE), ts))
    return out
