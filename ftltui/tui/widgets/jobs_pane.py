"""Jobs pane: the queue as a table, updated cell by cell; actions on the selected job."""

from __future__ import annotations

import time
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from ftltui.engine.sanitize import safe_text
from ftltui.tui.filters import PaneFilter
from ftltui.tui.messages import JobAction
from ftltui.tui.widgets.nav import NavTable
from ftltui.tui.widgets.pane import Pane

STATE_STYLE = {"queued": "cyan", "running": "bold cyan", "succeeded": "green", "failed": "bold red",
               "retry_wait": "yellow", "cancelling": "yellow", "cancelled": "dim", "dead": "bold magenta",
               "upstream_failed": "red", "skipped": "dim"}
COLUMNS = (("id", "ID", 5), ("state", "State", 12), ("progress", "Progress", 16), ("attempts", "Tries", 6),
           ("duration", "Duration", 9), ("what", "What", 60))


def fmt_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m"


def progress_bar(done: int, total: int, width: int = 6) -> str:
    if total <= 0:
        return "-"
    filled = round(width * done / total)
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


# How a job's state reads in the table: succeeded, failed and cancelled look different
# (colour from the theme, and an icon for terminals without colour).
OUTCOME = {"succeeded": "succeeded", "failed": "failed", "dead": "failed", "upstream_failed": "failed",
           "cancelled": "cancelled", "cancelling": "cancelled", "skipped": "cancelled", "running": "running",
           "queued": "queued", "retry_wait": "waiting"}
OUTCOME_ICON = {"succeeded": "✔", "failed": "✖", "cancelled": "○", "running": "◐", "queued": "·", "waiting": "↻"}


class JobsTable(NavTable):
    DEFAULT_CSS = """
    JobsTable > .jobs--succeeded { color: $success; }
    JobsTable > .jobs--failed { color: $error; text-style: bold; }
    JobsTable > .jobs--cancelled { color: $foreground; text-style: dim italic; }
    JobsTable > .jobs--running { color: $primary; text-style: bold; }
    JobsTable > .jobs--queued { color: $primary; }
    JobsTable > .jobs--waiting { color: $warning; }
    """
    COMPONENT_CLASSES = NavTable.COMPONENT_CLASSES | {f"jobs--{o}" for o in OUTCOME_ICON}
    BINDINGS = [
        Binding("enter", "job('details')", "Details", id="jobs.details"),
        Binding("l", "job('logs')", "Logs", id="jobs.logs"),
        Binding("c", "job('cancel')", "Cancel", id="jobs.cancel"),
        Binding("r", "job('retry')", "Retry", id="jobs.retry"),
        Binding("e", "job('rerun')", "Re-run failed", id="jobs.rerun"),
        Binding("u", "job('requeue')", "Requeue", id="jobs.requeue"),
        Binding("p", "job('purge')", "Purge", id="jobs.purge"),
    ]

    def action_job(self, action: str) -> None:
        if self.row_count == 0:
            return
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        if key.value is not None:
            self.post_message(JobAction(action, int(key.value)))


class JobsPane(Pane):
    TITLE = "Jobs"

    def __init__(self, clock: Callable[[], float] = time.time, show_durations: bool = True, **kw: Any) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.show_durations = show_durations
        self.jobs: dict[int, Any] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield from self.compose_filter()
        yield JobsTable(id="jobs-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self._table()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.jobs:  # rows added before the stylesheet reached the table: style them again
            self.call_after_refresh(self.filter_changed, self.filter)

    def _theme_changed(self, _theme: Any) -> None:
        if self.is_attached:
            self.filter_changed(self.filter)  # the cells carry styles from the old theme

    def outcome_style(self, state: str) -> Any:
        outcome = OUTCOME.get(state)
        if outcome is None:
            return ""
        return self.query_one(JobsTable).get_component_rich_style(f"jobs--{outcome}", partial=True)

    def progress_text(self, job: Any) -> Text:
        """The progress bar, styled by the job's outcome so the three endings differ."""
        prog = job.progress or {}
        bar = progress_bar(int(prog.get("done", 0)), int(prog.get("total", 0)))
        icon = OUTCOME_ICON.get(OUTCOME.get(job.state, ""), "")
        return Text(f"{icon} {bar}" if icon else bar, style=self.outcome_style(job.state), no_wrap=True,
                    overflow="ellipsis")

    def _table(self) -> JobsTable:
        """The table, with its columns (jobs may arrive before this pane's on_mount)."""
        table = self.query_one(JobsTable)
        if not table.columns:
            for key, label, width in COLUMNS:
                table.add_column(label, key=key, width=width)
        return table

    def main(self) -> Widget:
        return self.query_one(JobsTable)

    def title_extra(self) -> str:
        running = sum(1 for j in self.jobs.values() if j.state in ("running", "queued", "cancelling"))
        return f"{len(self.jobs)} jobs · {running} active"

    def _cells(self, job: Any) -> dict[str, Any]:
        end = job.updated if job.state in ("succeeded", "failed", "cancelled", "dead", "skipped",
                                            "upstream_failed") else time.time()
        started = next((h[1] for h in job.history if h[0] == "running"), None)
        dur = fmt_duration(end - started) if started is not None else "-"
        if not self.show_durations:
            dur = "·"  # snapshot mode: the queue's timestamps are wall-clock
        return {
            "id": str(job.id),
            "state": Text(job.state, style=self.outcome_style(job.state)),
            "progress": self.progress_text(job),
            "attempts": f"{job.attempts}/{job.max_attempts}",
            "duration": dur,
            "what": Text(safe_text(job.title or job.kind, 200)),
        }

    def _visible(self, job: Any) -> bool:
        return self.filter.matches(f"{job.id} {job.state} {job.title}")

    def upsert(self, job: Any) -> None:
        """Add or update one job's row in place (update_cell, never a full refill)."""
        self.jobs[job.id] = job
        table = self._table()
        key = str(job.id)
        visible = self._visible(job)
        present = key in table.rows
        if not visible:
            if present:
                table.remove_row(key)
            return
        cells = self._cells(job)
        if present:
            for col, value in cells.items():
                table.update_cell(key, col, value)
        else:
            table.add_row(*[cells[c] for c, _, _ in COLUMNS], key=key)
        self.update_title()

    def remove_job(self, job_id: int) -> None:
        """Forget a purged job (not ``remove``: that is Widget's, which removes the pane)."""
        self.jobs.pop(job_id, None)
        table = self.query_one(JobsTable)
        if str(job_id) in table.rows:
            table.remove_row(str(job_id))
        self.update_title()

    def tick(self) -> None:
        """Refresh the duration of running jobs (called by the app's slow timer)."""
        table = self.query_one(JobsTable)
        for job in self.jobs.values():
            if job.state == "running" and str(job.id) in table.rows:
                table.update_cell(str(job.id), "duration", self._cells(job)["duration"])

    def filter_changed(self, value: PaneFilter) -> None:
        if not self.is_mounted:
            return
        table = self.query_one(JobsTable)
        table.clear()
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if self._visible(job):
                cells = self._cells(job)
                table.add_row(*[cells[c] for c, _, _ in COLUMNS], key=str(job.id))
        self.update_title()

    def selected(self) -> int | None:
        table = self.query_one(JobsTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key is None else int(key)
