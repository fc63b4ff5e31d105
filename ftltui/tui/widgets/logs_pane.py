"""Logs pane: live host-prefixed output with filters, follow mode, search, copy and save."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from ftltui.tui.filters import PaneFilter
from ftltui.tui.logring import LogRecord, LogRing, format_record, matches, wrap_line
from ftltui.tui.widgets.log_view import FollowChanged, LogView
from ftltui.tui.widgets.pane import Pane
from ftltui.tui.widgets.status_line import StatusLine


class SearchInput(Input):
    BINDINGS = [Binding("escape", "close", "Close search", id="logs.search_close")]

    def action_close(self) -> None:
        pane = next(a for a in self.ancestors if isinstance(a, LogsPane))
        pane.close_search(clear=True)


class LogsPane(Pane):
    TITLE = "Logs"
    BINDINGS = [
        Binding("s", "search", "Search", id="logs.search"),
        Binding("n", "next_match(1)", "Next", id="logs.next_match"),
        Binding("N", "next_match(-1)", "Prev", id="logs.prev_match"),
        Binding("w", "toggle_wrap", "Wrap", id="logs.wrap"),
        Binding("t", "toggle_timestamps", "Times", id="logs.timestamps"),
        Binding("H", "cycle_host", "Host filter", id="logs.host_filter"),
        Binding("J", "cycle_job", "Job filter", id="logs.job_filter"),
        Binding("x", "clear_selection", "All output", id="logs.all", show=False),
        Binding("y", "copy", "Copy", id="logs.copy"),
        Binding("ctrl+s", "save", "Save", id="logs.save"),
        Binding("c", "clear", "Clear", id="logs.clear", show=False),
    ]

    def __init__(self, capacity: int = 50_000, clock: Callable[[], float] = time.time,
                 save_dir: Path | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.ring = LogRing(capacity, clock)
        self.clock = clock
        self.save_dir = save_dir
        self.job: str | None = None
        self.host: str | None = None
        self.wrap = False
        self.timestamps = False
        self.new_lines = 0
        self.search_rx: re.Pattern[str] | None = None
        self.matches: list[int] = []
        self.match_i = -1
        self.saved = 0

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield from self.compose_filter()
        yield SearchInput(placeholder="search (regex); enter keeps, n/N move, esc clears", id="logs-search",
                          classes="pane-filter")
        yield LogView(id="logs-view", max_lines=self.ring.capacity)
        yield StatusLine("", id="logs-status")

    def main(self) -> Widget:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.update_status()

    # -- feeding ------------------------------------------------------------------------
    def add(self, records: list[tuple[str, str, str, str]]) -> None:
        """Append (job, host, stream, text) tuples; texts must already be safe_text'ed."""
        if not records:
            return
        recs = self.ring.extend(records)
        self._write([r for r in recs if self._wanted(r)])

    def has_job(self, job: str) -> bool:
        return job in self.ring.jobs()

    def add_history(self, lines: list[tuple[str, str, str, str, float]], note: str) -> None:
        """A job's earlier output read back from disk (after a restart), then shown alone."""
        self.ring.append(lines[0][0] if lines else "", "", "note", note)
        for job, host, stream, text, ts in lines:
            self.ring.append(job, host, stream, text, ts=ts)

    def _wanted(self, r: LogRecord) -> bool:
        return matches(r, self.job, self.host)

    def _lines_of(self, recs: list[LogRecord]) -> list[str]:
        fmt = lambda ts: time.strftime("%H:%M:%S", time.gmtime(ts))  # noqa: E731  (UTC: deterministic)
        lines = [format_record(r, self.timestamps, fmt) for r in recs]
        if self.filter.active:
            lines = self.filter.apply(lines)
        if self.wrap:
            width = max(20, self.query_one(LogView).size.width - 2)
            lines = [part for line in lines for part in wrap_line(line, width)]
        return lines

    def _write(self, recs: list[LogRecord]) -> None:
        if not recs:
            return
        view = self.query_one(LogView)
        lines = self._lines_of(recs)
        if not lines:
            return
        view.write_lines(lines, scroll_end=view.following)
        if not view.following:
            self.new_lines += len(lines)
        self.update_status()

    def rebuild(self) -> None:
        view = self.query_one(LogView)
        view.clear()
        lines = self._lines_of([r for r in self.ring if self._wanted(r)])
        view.write_lines(lines, scroll_end=view.following)
        self._refresh_matches()
        self.update_status()
        self.update_title()

    def filter_changed(self, value: PaneFilter) -> None:
        if self.is_mounted:
            self.rebuild()

    def title_extra(self) -> str:
        parts = []
        if self.job is not None:
            parts.append(f"job {self.job}")
        if self.host is not None:
            parts.append(f"host {self.host}")
        return " · ".join(parts)

    def update_status(self) -> None:
        view = self.query_one(LogView)
        t = Text()
        if view.following:
            t.append(" FOLLOW ", style="bold reverse green")
        else:
            t.append(" PAUSED ", style="bold reverse yellow")
            if self.new_lines:
                t.append(f" {self.new_lines} new lines (f follows) ", style="bold yellow")
        t.append(f"  {view.line_count} lines")
        if self.ring.dropped:
            t.append(f" · {self.ring.dropped} older lines dropped (full logs on disk)", style="dim")
        if self.wrap:
            t.append(" · wrap")
        if self.timestamps:
            t.append(" · times")
        if self.search_rx is not None:
            pos = f"{self.match_i + 1}/{len(self.matches)}" if self.matches else "0/0"
            t.append(f" · search {self.search_rx.pattern!r} {pos}")
        self.query_one("#logs-status", StatusLine).show_text(t)

    def on_follow_changed(self, event: FollowChanged) -> None:
        if event.following:
            self.new_lines = 0
        self.update_status()

    # -- toggles & filters --------------------------------------------------------------
    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self.rebuild()

    def action_toggle_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self.rebuild()

    def _cycle(self, current: str | None, values: list[str]) -> str | None:
        if not values:
            return None
        if current not in values:
            return values[0]
        i = values.index(current) + 1
        return values[i] if i < len(values) else None

    def action_cycle_host(self) -> None:
        self.set_selection(self.job, self._cycle(self.host, self.ring.hosts()))

    def action_cycle_job(self) -> None:
        self.set_selection(self._cycle(self.job, self.ring.jobs()), self.host)

    def action_clear_selection(self) -> None:
        self.set_selection(None, None)

    def set_selection(self, job: str | None, host: str | None) -> None:
        self.job, self.host = job, host
        self.rebuild()

    def show_run(self, job: str, hosts: Iterable[str] = ()) -> None:
        """A run was just started: show it, following. A filter on an older job (``l`` in
        Jobs) would hide it: it now shows this job. A host filter on a host this run does
        not touch is cleared. A search or a scroll had paused the view: it follows again."""
        host = self.host if self.host in set(hosts) else None
        job_sel = job if self.job is not None else None
        if (job_sel, host) != (self.job, self.host):
            self.set_selection(job_sel, host)
        self.query_one(LogView).action_follow()

    def action_clear(self) -> None:
        self.ring.clear()
        self.rebuild()

    # -- search -------------------------------------------------------------------------
    def action_search(self) -> None:
        inp = self.query_one(SearchInput)
        inp.add_class("-open")
        inp.focus()

    def close_search(self, clear: bool) -> None:
        inp = self.query_one(SearchInput)
        if clear:
            inp.value = ""
            self.set_search("")
        inp.remove_class("-open")
        self.focus_main()

    def set_search(self, pattern: str) -> None:
        if pattern:
            try:
                self.search_rx = re.compile(pattern, re.IGNORECASE)
            except re.error:
                self.search_rx = re.compile(re.escape(pattern), re.IGNORECASE)
        else:
            self.search_rx = None
        self.query_one(LogView).set_search(self.search_rx)
        self._refresh_matches()
        self.update_status()

    def _refresh_matches(self) -> None:
        rx = self.search_rx
        lines = self.query_one(LogView).lines
        self.matches = [i for i, ln in enumerate(lines) if rx.search(ln)] if rx else []
        self.match_i = -1

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, SearchInput):
            event.stop()
            self.set_search(event.value)
        else:
            super().on_input_changed(event)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SearchInput):
            event.stop()
            self.set_search(event.value)
            self.close_search(clear=False)
            if self.matches:
                self.action_next_match(1)
        else:
            super().on_input_submitted(event)

    def action_next_match(self, step: int) -> None:
        self._refresh_matches_keep()
        if not self.matches:
            self.app.bell()
            return
        self.match_i = (self.match_i + step) % len(self.matches)
        self.query_one(LogView).goto_line(self.matches[self.match_i])
        self.update_status()

    def _refresh_matches_keep(self) -> None:
        i = self.match_i
        self._refresh_matches()
        self.match_i = min(i, len(self.matches) - 1)

    # -- copy & save --------------------------------------------------------------------
    def text_for_copy(self) -> str:
        view = self.query_one(LogView)
        if self.matches and self.match_i >= 0:
            return view.lines[self.matches[self.match_i]]
        return "\n".join(view.lines[-1000:])

    def action_copy(self) -> None:
        text = self.text_for_copy()
        self.app.copy_to_clipboard(text)
        self.app.notify(f"copied {text.count(chr(10)) + 1} line(s) to the clipboard (OSC 52)")

    def action_save(self, path: str | None = None, force: bool = False) -> None:
        """ctrl+s: a new numbered file in the state dir; ``:logs save PATH``: that file. An
        existing PATH is replaced only after a yes/no question ("No" first) and a missing
        directory is not created: a history or completion slip must not clobber a file."""
        lines = self._lines_of([r for r in self.ring if self._wanted(r)])
        text = "\n".join(lines) + "\n"
        try:
            if path is None:
                target = self._new_numbered_file(Path(self.save_dir or Path.cwd()), text)
            else:
                target = Path(path).expanduser()
                with open(target, "w" if force else "x", encoding="utf-8") as fh:
                    fh.write(text)
        except FileExistsError:
            self._ask_to_replace(path or "", force)
            return
        except OSError as exc:
            self.app.notify(f"cannot save: {exc}", severity="error")
            return
        self.app.notify(f"saved {len(lines)} lines to {target}")

    def _ask_to_replace(self, path: str, force: bool) -> None:
        from ftltui.engine.sanitize import safe_text
        from ftltui.tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.action_save(path, force=True)
            else:
                self.app.notify(f"not saved: {path} exists and was kept")

        self.app.push_screen(ConfirmScreen(safe_text(f"{path} exists. Replace it with the log lines?")), answer)

    def _new_numbered_file(self, base: Path, text: str) -> Path:
        """``console-log-N.txt`` under ``base`` with the first N not taken (an earlier
        session's files are kept), created exclusively."""
        base.mkdir(parents=True, exist_ok=True)
        while True:
            self.saved += 1
            target = base / f"console-log-{self.saved}.txt"
            try:
                with open(target, "x", encoding="utf-8") as fh:
                    fh.write(text)
                return target
            except FileExistsError:
                continue
