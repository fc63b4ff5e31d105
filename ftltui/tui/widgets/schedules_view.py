"""The Schedules view's table: one row per schedule of the state dir, with its next
firing (in the schedule's zone), its last one and what it runs.

Rows are :class:`~ftltui.console.schedules.ScheduleRow` records from the console core
(already plain text); the cells are ``Text`` so a command or an error message is never
read as markup. ``p`` pauses or resumes, ``d`` removes (the app asks first), ``a``
opens ``:schedule add``: each is a :class:`ScheduleAction` message to the app, which
refuses it when the console is read-only.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from ftltui.console.schedules import ScheduleRow
from ftltui.tui.widgets.nav import NavTable

COLUMNS = ("ID", "STATE", "CRON", "NEXT", "COMMAND", "LAST")
STATE_CLASS = {"active": "schedules-view--active", "paused": "schedules-view--paused"}


class ScheduleAction(Message):
    """``toggle`` (pause/resume), ``remove`` or ``add`` (``schedule_id`` 0) from the view."""

    def __init__(self, action: str, schedule_id: int = 0) -> None:
        super().__init__()
        self.action = action
        self.schedule_id = schedule_id


class SchedulesTable(NavTable):
    BINDINGS = [
        *NavTable.BINDINGS,
        Binding("p", "schedule('toggle')", "Pause/resume", id="schedules.toggle"),
        Binding("d", "schedule('remove')", "Remove", id="schedules.remove"),
        Binding("a", "add", "Add", id="schedules.add"),
    ]
    COMPONENT_CLASSES = {"schedules-view--active", "schedules-view--paused"}
    DEFAULT_CSS = """
    SchedulesTable > .schedules-view--active { color: $success; }
    SchedulesTable > .schedules-view--paused { color: $warning; text-style: bold; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = False
        self._columns()

    def _columns(self) -> None:
        """The columns, once. The rows can come first: the schedule worker's first read may
        finish before this table is mounted (two quick ``:schedule add`` at start), and rows
        without columns are refused ("More values provided than there are columns")."""
        if not self.columns:
            for name in COLUMNS:
                self.add_column(name, key=name.lower())

    def show(self, rows: list[ScheduleRow]) -> None:
        """Replace the rows, keeping the cursor on the same schedule when it is still there."""
        self._columns()
        current = self.current_id()
        self.clear()
        for r in rows:
            style = self.get_component_rich_style(STATE_CLASS[r.state], partial=True)
            self.add_row(Text(str(r.id)), Text(r.state, style=style), Text(r.cron), Text(r.next),
                         Text(r.command), Text(r.last), key=str(r.id))
        if current is not None and str(current) in {str(r.id) for r in rows}:
            self.move_cursor(row=self.get_row_index(str(current)))

    def current_id(self) -> int | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(str(key.value))

    def action_schedule(self, action: str) -> None:
        schedule_id = self.current_id()
        if schedule_id is None:
            self.app.bell()
            return
        self.post_message(ScheduleAction(action, schedule_id))

    def action_add(self) -> None:
        self.post_message(ScheduleAction("add"))
