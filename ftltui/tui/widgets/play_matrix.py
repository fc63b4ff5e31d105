"""The play → task → host matrix of a playbook job: rows are the tasks of one play,
columns its hosts, each cell the host's status for that task, live as events arrive.

The table only draws a :class:`~ftltui.jobs.play_record.PlayRecord`: :meth:`PlayMatrix.show`
rebuilds the rows and columns when a task or host appears and otherwise updates the
cells whose status moved. Enter on a cell posts :class:`PlayMatrix.CellChosen`. Every
label is a ``Text`` (task names and host names are never markup); colours come from
the component classes in ``play_matrix.tcss`` (theme variables only).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from ftltui.engine.sanitize import safe_text
from ftltui.jobs.play_record import BLANK, PENDING, RUNNING, PlayRecord, PlayView

GLYPH = {"ok": "●", "changed": "◆", "failed": "✖", "unreachable": "⊘", "skipped": "○", RUNNING: "◐",
         PENDING: "·", BLANK: ""}
LEGEND = "● ok  ◆ changed  ✖ failed  ⊘ unreachable  ○ skipped  ◐ running  · pending"
TASK_COLUMN = "#task"
MAX_LABEL = 48


def glyph_class(status: str, ignored: bool = False) -> str:
    return "play-matrix--" + ("ignored" if ignored and status == "failed" else status or "pending")


class PlayMatrix(DataTable[Text]):
    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "play-matrix--" + s for s in ("ok", "changed", "failed", "ignored", "unreachable", "skipped", "running",
                                      "pending", "handler")}
    BINDINGS = [Binding("enter", "choose", "Result", id="playmatrix.result")]

    class CellChosen(Message):
        """Enter on a cell: that host's result for that task."""

        def __init__(self, play: int, task_id: str, host: str) -> None:
            super().__init__()
            self.play, self.task_id, self.host = play, task_id, host

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=False, id=id, classes=classes)
        self.fixed_columns = 1
        self.play_index: int | None = None
        self._shape: tuple[int | None, tuple[str, ...], tuple[str, ...]] = (None, (), ())
        self._shown: dict[tuple[str, str], str] = {}

    def _cell(self, status: str, ignored: bool) -> Text:
        return Text(GLYPH.get(status, "?"), style=self.get_component_rich_style(glyph_class(status, ignored)),
                    justify="center")

    def show(self, record: PlayRecord, play_index: int | None) -> None:
        """Draw ``record``'s play ``play_index`` (rebuild on a new task or host, else update cells)."""
        play = record.plays.get(play_index) if play_index is not None else None
        tasks = tuple(play.tasks) if play else ()
        hosts = tuple(play.hosts) if play else ()
        shape = (play_index, tasks, hosts)
        if shape != self._shape:
            self._rebuild(record, play, shape)
            return
        if play is None:
            return
        for task_id in tasks:
            for host in hosts:
                self._update(record, play, task_id, host)

    def _state(self, record: PlayRecord, play: PlayView, task_id: str, host: str) -> tuple[str, bool]:
        cell = play.cells.get((task_id, host))
        return record.status(play, task_id, host), bool(cell is not None and cell.ignored)

    def _update(self, record: PlayRecord, play: PlayView, task_id: str, host: str) -> None:
        status, ignored = self._state(record, play, task_id, host)
        key = f"{status}{'!' if ignored else ''}"
        if self._shown.get((task_id, host)) != key:
            self._shown[(task_id, host)] = key
            self.update_cell(task_id, host, self._cell(status, ignored))

    def _rebuild(self, record: PlayRecord, play: PlayView | None, shape: tuple) -> None:
        old_tasks = self._shape[1]
        at_end = not old_tasks or self.cursor_row >= len(old_tasks) - 1  # following the newest task
        row, col = self.cursor_coordinate
        self._shape, self._shown = shape, {}
        self.play_index = shape[0]
        self.clear(columns=True)
        if play is None:
            return
        self.add_column(Text("task"), key=TASK_COLUMN)
        for host in play.hosts:
            self.add_column(Text(safe_text(host, 40)), key=host)
        for task in play.tasks.values():
            label = Text(safe_text(task.label, MAX_LABEL),
                         style=self.get_component_rich_style("play-matrix--handler") if task.handler else "")
            cells = []
            for host in play.hosts:
                status, ignored = self._state(record, play, task.task_id, host)
                self._shown[(task.task_id, host)] = f"{status}{'!' if ignored else ''}"
                cells.append(self._cell(status, ignored))
            self.add_row(label, *cells, key=task.task_id)
        if play.tasks:
            row = len(play.tasks) - 1 if at_end else min(row, len(play.tasks) - 1)
            self.move_cursor(row=row, column=max(1, min(col, len(play.hosts))), animate=False)

    def chosen(self) -> tuple[str, str] | None:
        """(task id, host) under the cursor, or None on the task column / an empty table."""
        if not self.row_count or self.cursor_column == 0:
            return None
        row_key, col_key = self.coordinate_to_cell_key(self.cursor_coordinate)
        return str(row_key.value), str(col_key.value)

    def action_choose(self) -> None:
        picked = self.chosen()
        if picked is not None and self.play_index is not None:
            self.post_message(self.CellChosen(self.play_index, *picked))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter (DataTable's select binding) and a click both choose the cell."""
        event.stop()
        self.action_choose()
