"""The site workers view (issue 17): who is alive on the broker, refreshed every 2 s (esc or q returns).

The rows come from the console core (:class:`~ftltui.console.workers.WorkersDesk`),
read in a thread worker: Redis may be slow or away, the console never waits for it.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.console.workers import WorkersDesk, WorkersSnapshot
from ftltui.engine.sanitize import safe_text
from ftltui.tui.widgets.key_footer import KeyFooter
from ftltui.tui.widgets.workers_view import WorkersTable

REFRESH_SECONDS = 2.0


class WorkersScreen(ModalScreen[None]):
    CSS_PATH = "workers.tcss"
    BINDINGS = [Binding("escape,q", "close", "Back", id="workers.close")]

    def __init__(self, desk: WorkersDesk, *, refresh_every: float | None = REFRESH_SECONDS) -> None:
        super().__init__()
        self.desk = desk
        self.refresh_every = refresh_every

    def compose(self) -> ComposeResult:
        with Vertical(id="workers-box", classes="dialog"):
            yield Static(Text("Site workers", style="bold"), id="workers-title")
            yield Static(id="workers-note")
            yield WorkersTable(id="workers-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(WorkersTable).focus()
        self.reload()
        if self.refresh_every:
            self.set_interval(self.refresh_every, self.reload)

    @work(thread=True, exclusive=True, group="workers")
    def reload(self) -> None:
        snap = self.desk.snapshot()
        self.app.call_from_thread(self.show, snap)

    def show(self, snap: WorkersSnapshot) -> None:
        if not self.is_attached:
            return
        self.query_one(WorkersTable).show(snap.rows)
        self.query_one("#workers-note", Static).update(Text(safe_text(snap.note), style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
