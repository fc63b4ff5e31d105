"""Drift pane: hosts x severity counts; enter drills into a host's grouped changes."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from ftltui.drift.report import host_rows, hosts_label
from ftltui.engine.sanitize import safe_text
from ftltui.tui.filters import PaneFilter
from ftltui.tui.messages import DriftAction
from ftltui.tui.widgets.nav import NavTable
from ftltui.tui.widgets.pane import Pane
from ftltui.tui.widgets.status_line import StatusLine

SEVERITY_COLUMNS = ("critical", "high", "medium", "low")
SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan"}
NO_SCAN = "no scan yet: press s to scan every host"
KEYS_HINT = "enter: changes · s: scan · b: pin baseline · a: accept"


class DriftTable(NavTable):
    BINDINGS = [
        Binding("enter", "drift('details')", "Changes", id="drift.details"),
        Binding("s", "drift_all('scan')", "Scan all", id="drift.scan"),
        Binding("S", "drift('scan')", "Scan host", id="drift.scan_host", show=False),
        Binding("b", "drift('baseline')", "Pin baseline", id="drift.baseline"),
        Binding("a", "drift('accept')", "Accept", id="drift.accept"),
    ]

    def _host(self) -> str | None:
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def action_drift(self, action: str) -> None:
        host = self._host()
        if host is None and action != "scan":
            self.app.bell()
            return
        self.post_message(DriftAction(action, host))

    def action_drift_all(self, action: str) -> None:
        self.post_message(DriftAction(action, None))


class DriftPane(Pane):
    TITLE = "Drift"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.rows: dict[str, dict[str, Any]] = {}  # host -> {severity: n, "total", "basis", "scanned"}
        self.note = NO_SCAN

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield from self.compose_filter()
        yield DriftTable(id="drift-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(self.note, id="drift-status")

    def on_mount(self) -> None:
        self._table()

    def _table(self) -> DriftTable:
        table = self.query_one(DriftTable)
        if table.columns:
            return table
        table.add_column("Host", key="host", width=28)
        for sev in SEVERITY_COLUMNS:
            table.add_column(sev.capitalize(), key=sev, width=9)
        table.add_column("Total", key="total", width=7)
        table.add_column("Compared with", key="basis", width=40)
        return table

    def main(self) -> Widget:
        return self.query_one(DriftTable)

    def title_extra(self) -> str:
        drifting = sum(1 for r in self.rows.values() if r.get("total"))
        return f"{len(self.rows)} hosts · {drifting} drifting" if self.rows else ""

    def set_note(self, text: str) -> None:
        self.note = text
        self.query_one("#drift-status", StatusLine).show_text(Text(text))

    def set_rows(self, rows: dict[str, dict[str, Any]]) -> None:
        self.rows = dict(rows)
        self._fill()

    def show_report(self, report: Any) -> None:
        """Rows and the status line for a drift report (stored scans, failed scans, damaged ones)."""
        rows = host_rows(report)
        self.set_rows(rows)
        if not rows:
            self.set_note(NO_SCAN)
            return
        scanned = sum(1 for c in report.comparisons if c.after is not None)
        drifting = sum(1 for r in rows.values() if r.get("total"))
        parts = [f"{scanned} host(s) scanned", f"{drifting} drifting"]
        if report.unscanned:
            parts.append(f"{len(report.unscanned)} could not be scanned ({hosts_label(report.unscanned)})")
        if report.unreadable:
            parts.append(f"{len(report.unreadable)} unreadable ({hosts_label(report.unreadable)})")
        self.set_note(" · ".join([*parts, f"{report.ignored} ignored", KEYS_HINT]))

    def _cells(self, host: str, row: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [Text(host, style="bold" if row.get("total") else "")]
        for sev in SEVERITY_COLUMNS:
            n = int(row.get(sev, 0))
            cells.append(Text(str(n), style=SEVERITY_STYLE[sev] if n else "dim"))
        cells.append(Text(str(row.get("total", 0)), style="bold" if row.get("total") else "dim"))
        if row.get("problem"):  # the host's (or the store's) words, shown as plain text
            cells.append(Text(safe_text(str(row["problem"]), 300), style="bold red"))
        else:
            cells.append(Text(str(row.get("basis", "")), style="dim"))
        return cells

    def _fill(self) -> None:
        table = self._table()
        table.clear()
        order = sorted(self.rows.items(), key=lambda kv: (-sum(
            (10 ** (SEVERITY_COLUMNS[::-1].index(s))) * int(kv[1].get(s, 0)) for s in SEVERITY_COLUMNS), kv[0]))
        for host, row in order:
            if self.filter.matches(host):
                table.add_row(*self._cells(host, row), key=host)
        self.update_title()

    def filter_changed(self, value: PaneFilter) -> None:
        if self.is_mounted:
            self._fill()
