"""The site workers' table: site, host, pid, heartbeat age, running shards.

Rows are :class:`~ftltui.console.workers.WorkerRow` records from the console core; the
cells are ``Text`` (a hostname or shard id is never read as markup).
"""

from __future__ import annotations

from rich.text import Text

from ftltui.console.workers import WorkerRow
from ftltui.engine.sanitize import safe_text
from ftltui.tui.widgets.nav import NavTable

COLUMNS = ("SITE", "HOSTNAME", "PID", "HEARTBEAT", "SHARDS")


class WorkersTable(NavTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        for name in COLUMNS:
            self.add_column(name, key=name.lower())

    def show(self, rows: tuple[WorkerRow, ...] | list[WorkerRow]) -> None:
        self.clear()
        for r in rows:
            self.add_row(*(Text(safe_text(c)) for c in (r.site, r.hostname, r.pid, r.heartbeat, r.shards)),
                         key=f"{r.site}:{r.hostname}:{r.pid}")
