"""Plain words for a job record, shared by ``ftl-tui jobs`` and the console's job detail.

What a reader should be told is not always the stored state: a job stored as
``running`` whose owner process is gone will be recovered as ``lost`` by the next
process that opens the store, and one whose owner is alive but stopped writing its
heartbeat is hung. :func:`effective_state` says so; :func:`host_lines` gives per step
and per host what happened, attempt by attempt.
"""

from __future__ import annotations

import time
from typing import Any

from ftltui.jobs.owner import process_start_time
from ftltui.jobs.retry import ENDED_WELL, HELD, HELD_MSG, host_message

STALE_BEATS = 5  # heartbeats missed before a live owner counts as hung
STALE_MIN = 10.0  # seconds, whatever the interval


def effective_state(doc: dict[str, Any], now: float | None = None) -> tuple[str, str]:
    """(the state to show, a note in plain words when it is not the stored one)."""
    state = str(doc.get("state"))
    if state not in ("running", "cancelling"):
        return state, ""
    owner = doc.get("owner") or {}
    pid = owner.get("pid")
    start = process_start_time(int(pid)) if pid else None
    if start is None or start != owner.get("start"):
        return "lost", f"{state} (owner pid {pid} gone: will be recovered as lost)"
    every = float(owner.get("every") or 2.0)
    silent = (now or time.time()) - float(owner.get("heartbeat") or 0.0)
    if silent > max(STALE_MIN, STALE_BEATS * every):
        return "hung", f"{state} (owner pid {pid} alive but silent for {silent:.0f}s: hung?)"
    return state, ""


def state_label(doc: dict[str, Any]) -> str:
    """The state as one phrase: ``dead: gave up after 3 attempts (...)``, ``running (owner gone ...)``."""
    shown, note = effective_state(doc)
    if note:
        return note
    reason = str(doc.get("reason") or "")
    if shown in ("dead", "failed", "cancelled") and reason:
        return f"{shown}: {reason}"
    return shown


def as_recovery_closes(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its hosts as the next owner's recovery will close them, when its owner
    is gone (:func:`effective_state` says ``lost``); else ``doc`` itself.

    The stored records still say ``running`` for the hosts the dead owner was running;
    showing that would tell the reader something runs. Recovery (``JobQueue``'s lost-job
    handling) records each such host as failed (``lost``: the command may have run) or,
    for a job that was cancelling, as cancelled after it started; this is the same ledger
    rule applied to a copy, so ``jobs show`` agrees with ``jobs list`` and with what the
    store will say once an owner opens it. A running step reads ``lost`` (whether it
    then waits for a retry depends on the job's retry rule)."""
    from ftltui.jobs.retry import HostLedger, idempotent

    stored = str(doc.get("stored_state") or doc.get("state"))
    if effective_state({**doc, "state": stored})[0] != "lost":
        return doc
    spec = doc.get("spec") or {}

    def closed(per_host: Any, is_idempotent: bool) -> dict[str, Any]:
        ledger = HostLedger(per_host, is_idempotent)  # a copy: the record is not changed
        if stored == "cancelling":
            ledger.cancel_running("owner died while cancelling", started=True)
        else:
            ledger.close_interrupted()
        return ledger.doc()

    out = dict(doc)
    if doc.get("per_host"):
        out["per_host"] = closed(doc["per_host"], idempotent(str(spec.get("module") or ""), spec.get("args")))
    if doc.get("steps"):
        steps = {}
        for name, rec in doc["steps"].items():
            rec = dict(rec)
            if rec.get("per_host"):
                rec["per_host"] = closed(rec["per_host"], bool(rec.get("idempotent")))
            if rec.get("state") in ("running", "cancelling"):
                rec["state"] = "lost"
            steps[name] = rec
        out["steps"] = steps
    return out


def _attempt_text(a: dict[str, Any]) -> str:
    parts = [f"attempt {a.get('attempt')}: {a.get('status')}"]
    if a.get("error_kind") and a.get("error_kind") != a.get("status"):
        parts.append(f"({a['error_kind']})")
    if a.get("rc") is not None:
        parts.append(f"rc={a['rc']}")
    parts.append(f"{float(a.get('duration') or 0):.2f}s")
    return " ".join(parts)


def host_lines(per_host: dict[str, Any], indent: str = "  ") -> list[tuple[str, str]]:
    """(line, status) per host: the merged result (the last attempt that ran on it), and
    below it every attempt when there was more than one."""
    out: list[tuple[str, str]] = []
    width = max((len(h) for h in per_host), default=0)
    for host, e in per_host.items():
        atts = e.get("attempts") or []
        last = atts[-1] if atts else {}
        status = str(last.get("status") or e.get("state") or "?")
        line = f"{indent}{host:<{width}}  {status}"
        if last.get("rc") is not None:
            line += f" rc={last['rc']}"
        if last:
            line += f" {float(last.get('duration') or 0):.2f}s"
        if len(atts) > 1:
            line += f"  ({len(atts)} attempts)"
        if e.get("state") == "running":
            line += "  (running)"
        if status not in ENDED_WELL and last.get("msg"):
            line += f"  {host_message(host, last['msg'])}"
        if e.get("state") == HELD:
            line += f"  [{HELD_MSG}]"
        out.append((line, status))
        if len(atts) > 1:
            out += [(f"{indent}    {_attempt_text(a)}", str(a.get("status"))) for a in atts]
    return out


def step_lines(steps: dict[str, Any]) -> list[tuple[str, str]]:
    """Per step its state and message, then per host what happened in that step."""
    out: list[tuple[str, str]] = []
    for name, rec in steps.items():
        state = str(rec.get("state"))
        msg = str(rec.get("message") or "")
        out.append((f"  step {name}  {state}" + (f"  {msg[:200]}" if msg else ""), state))
        per_host = rec.get("per_host") or {h: {"attempts": [{"status": r.get("status"), "duration": r.get("duration"),
                                                             "rc": (r.get("result") or {}).get("rc")}]}
                                              for h, r in (rec.get("results") or {}).items()}
        out += host_lines(per_host, "      ")
    return out
