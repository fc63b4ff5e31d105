"""A job's details: state history, per-host results, and the workflow DAG with step states."""

from __future__ import annotations

import time
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.engine.sanitize import safe_text
from ftltui.jobs.describe import host_lines, step_lines
from ftltui.tui.screens.host_detail import CLOSE_HINT, DETAIL_CSS
from ftltui.tui.widgets.jobs_pane import STATE_STYLE

HOST_STYLE = {"ok": "green", "changed": "yellow", "failed": "red", "unreachable": "magenta"}
STEP_ICON = {"succeeded": "✔", "failed": "✖", "running": "◐", "queued": "·", "skipped": "○",
             "upstream_failed": "⊘", "cancelled": "○", "retry_wait": "↻", "dead": "✖"}


def dag_lines(steps: dict[str, Any]) -> list[tuple[str, str]]:
    """Steps in dependency order with tree-like indentation: (text, state)."""
    order: list[str] = []
    depth: dict[str, int] = {}
    remaining = dict(steps)
    while remaining:
        ready = [n for n, s in remaining.items() if all(d in depth for d in (s.get("needs") or []))]
        if not ready:  # a cycle or unknown dependency: show the rest flat
            ready = list(remaining)
        for n in ready:
            needs = remaining.pop(n).get("needs") or []
            depth[n] = 1 + max((depth[d] for d in needs if d in depth), default=-1)
            order.append(n)
    out = []
    for n in order:
        s = steps[n]
        state = str(s.get("state", "queued"))
        needs = s.get("needs") or []
        arrow = f"  ← {', '.join(needs)}" if needs else ""
        out.append(("    " * depth[n] + f"{STEP_ICON.get(state, '?')} {n}  [{state}]{arrow}", state))
    return out


class JobDetailScreen(ModalScreen[None]):
    # the keys above the scrolling body, always in view (a modal covers the app's footer)
    DEFAULT_CSS = DETAIL_CSS
    BINDINGS = [Binding("escape,q,enter", "close", "Back", id="jobdetail.close")]

    def __init__(self, job: Any, clock: Callable[[], float] = time.time,
                 hosts: dict[str, str] | None = None, steps: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.job = job
        self.clock = clock
        self.hosts = hosts or {}
        self.steps = steps or job.steps or {}

    def compose(self) -> ComposeResult:
        job = self.job
        t = Text()
        t.append(f"job {job.id}  ", style="bold")
        t.append(job.state, style=STATE_STYLE.get(job.state, ""))
        t.append(f"\n{safe_text(job.title or job.kind, 300)}\n")
        t.append(f"kind {job.kind} · attempts {job.attempts}/{job.max_attempts}")
        if job.parent:
            t.append(f" · from job {job.parent}")
        if job.reason:
            t.append(f"\nreason: {safe_text(job.reason, 500)}")
        if self.steps:
            t.append("\n\nworkflow\n", style="bold")
            for line, state in dag_lines(self.steps):
                t.append(line + "\n", style=STATE_STYLE.get(state, ""))
        full_steps = getattr(job, "steps", None) or {}
        if full_steps:  # per step and per host: status, rc, duration, every attempt
            t.append("\nsteps and hosts\n", style="bold")
            for line, state in step_lines(full_steps):
                t.append(safe_text(line, 400) + "\n", style=STATE_STYLE.get(state, HOST_STYLE.get(state, "")))
        per_host = getattr(job, "per_host", None) or {}
        hosts = {} if per_host or full_steps else self.hosts or (job.summary or {}).get("hosts") or {}
        counts = (job.summary or {}).get("counts")
        if counts:
            t.append("\nresults " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n")
        if per_host:  # the merged result per host, and each attempt when it took more than one
            t.append("\nhosts\n", style="bold")
            for line, st in host_lines(per_host):
                t.append(safe_text(line, 400) + "\n", style=HOST_STYLE.get(st, ""))
        if hosts:
            t.append("\nhosts\n", style="bold")
            for h, st in hosts.items():
                t.append(f"  {safe_text(h)}: ")
                t.append(f"{st}\n", style=HOST_STYLE.get(st, ""))
        t.append("\nhistory\n", style="bold")
        for state, _ts, reason in job.history:
            t.append(f"  {state}" + (f": {safe_text(str(reason), 200)}" if reason else "") + "\n")
        with Vertical(id="job-detail", classes="dialog"):
            yield Static(Text(CLOSE_HINT, style="dim"), classes="detail-hint")
            with VerticalScroll(classes="detail-body"):
                yield Static(t)

    def action_close(self) -> None:
        self.dismiss(None)
