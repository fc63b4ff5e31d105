"""``:schedule``: the Schedules view, over the console (esc or q returns).

Lists the state directory's schedules from the console core
(:class:`~ftltui.console.schedules.ScheduleDesk`); re-read (in a worker: an attached
console asks its owner) when they change: an edit, a firing, another client's edit
(the app calls :meth:`SchedulesScreen.reload`), not on job updates.
Keyboard only: ``j``/``k`` move, ``p`` pause/resume, ``d`` remove (asks), ``a`` add
(``:schedule add "CRON" run|play|drift scan ...``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.console.schedules import ScheduleRow
from ftltui.engine.sanitize import safe_text
from ftltui.tui.widgets.key_footer import KeyFooter
from ftltui.tui.widgets.schedules_view import SchedulesTable

EMPTY = "no schedules: a adds one (:schedule add \"CRON\" run|play|drift scan ...)"


class SchedulesScreen(ModalScreen[None]):
    CSS_PATH = "schedules.tcss"
    BINDINGS = [Binding("escape,q", "close", "Back", id="schedules.close")]

    def __init__(self, rows: Callable[[], Awaitable[list[ScheduleRow]]], note: Callable[[], str]) -> None:
        super().__init__()
        self._rows = rows
        self._note = note
        self._stale = False  # asked to re-read
        self._reading = False  # a worker is reading

    def compose(self) -> ComposeResult:
        with Vertical(id="schedules-box", classes="dialog"):
            yield Static(Text("Schedules", style="bold"), id="schedules-title")
            yield Static(id="schedules-note")
            yield SchedulesTable(id="schedules-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(SchedulesTable).focus()

    def reload(self) -> None:
        """Re-read the rows and the note, in a worker; asked again while reading, it reads
        once more when done (the newest state wins, and no read is cancelled half way)."""
        self._stale = True
        if not self._reading:
            self._reading = True
            self.run_worker(self._reload(), group="schedules-view")

    async def _reload(self) -> None:
        try:
            while self._stale:
                self._stale = False
                await self._read_once()
        finally:
            self._reading = False

    async def _read_once(self) -> None:
        try:
            rows = await self._rows()
            note = self._note()
        except Exception as exc:  # noqa: BLE001 - a damaged schedule table must not take the console down
            rows, note = [], f"cannot read the schedules: {exc}"
        if not self.is_attached:  # closed while the rows were read
            return
        self.query_one(SchedulesTable).show(rows)
        self.query_one("#schedules-note", Static).update(Text(safe_text(note if rows else f"{note}  {EMPTY}"),
                                                              style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
