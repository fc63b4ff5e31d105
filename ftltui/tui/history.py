"""A job's log records (as ``JobLog`` wrote them) as Logs-pane lines.

The same shapes the live stream produces (``FtlApp._engine_event``), so a job's
output reads the same after a restart as it did while it ran. Plain Python: no textual.
"""

from __future__ import annotations

from typing import Any

from ftltui.engine.sanitize import safe_text

MAX_LINE = 2000
HistoryLine = tuple[str, str, str, str, float]  # job, host, stream, text, ts


def history_lines(job: str, records: list[dict[str, Any]], *, durations: bool = True) -> list[HistoryLine]:
    out: list[HistoryLine] = []
    for rec in records:
        ev, ts = rec.get("event"), float(rec.get("ts") or 0.0)
        step = rec.get("step")
        prefix = f"[{step}] " if step else ""
        host = str(rec.get("host") or "")
        if ev == "OutputLine":
            stream = "stderr" if rec.get("stream") == "stderr" else "stdout"
            out.append((job, host, stream, safe_text(prefix + str(rec.get("text", "")), MAX_LINE), ts))
        elif ev == "HostFinished":
            r = rec.get("result") or {}
            status = str(r.get("status", "?"))
            msg = str((r.get("result") or {}).get("msg", "") or "")
            msg = safe_text(msg.splitlines()[0], 300) if msg else ""
            dur = f" ({float(r.get('duration') or 0):.2f}s)" if durations else ""
            out.append((job, host, "status", f"{prefix}{status.upper()}{dur}" + (f": {msg}" if msg else ""), ts))
        elif ev == "RunStarted":
            mode = " (check mode)" if rec.get("check") else ""
            where = f" step {step}" if step else ""
            n = len(rec.get("hosts") or ())
            out.append((job, "", "note", safe_text(f"job {job}{where}: {rec.get('module')} on {n} host(s){mode}"), ts))
        elif ev == "Warning_":
            out.append((job, host, "note", safe_text(f"warning: {rec.get('text', '')}", MAX_LINE), ts))
        elif ev in ("JobState", "StepChanged"):
            who = f"job {job} step {rec.get('step')}" if ev == "StepChanged" else f"job {job}"
            reason = f" - {rec['reason']}" if rec.get("reason") else ""
            out.append((job, "", "note", safe_text(f"{who}: {rec.get('state')}{reason}", MAX_LINE), ts))
    return out
