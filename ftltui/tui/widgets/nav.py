"""List widgets with vim-style movement (j/k/g/G) and binding ids for the keymap."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable, Tree

NAV_BINDINGS = [
    Binding("j", "cursor_down", "Down", id="nav.down", show=False),
    Binding("k", "cursor_up", "Up", id="nav.up", show=False),
    Binding("g", "first", "Top", id="nav.top", show=False),
    Binding("G", "last", "Bottom", id="nav.bottom", show=False),
]


class NavTree(Tree):
    BINDINGS = NAV_BINDINGS

    def action_first(self) -> None:
        self.cursor_line = 0
        self.scroll_to_line(0)

    def action_last(self) -> None:
        self.cursor_line = max(0, self.last_line)
        self.scroll_to_line(self.cursor_line)


class NavTable(DataTable):
    BINDINGS = NAV_BINDINGS

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))
