"""List widgets with vim-style movement (j/k/g/G) and binding ids for the keymap."""

from __future__ import annotations

from rich.segment import Segment
from textual.binding import Binding
from textual.strip import Strip
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

    def render_line(self, y: int) -> Strip:
        """A line cut by the right edge ends in ``…``, so a cut name reads as cut."""
        strip = super().render_line(y)
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        lines = self._tree_lines
        if width < 2 or self.virtual_size.width <= scroll_x + width or y + scroll_y >= len(lines):
            return strip
        line = lines[y + scroll_y]
        full = line._get_guide_width(self.guide_depth, self.show_root) + self.get_label_width(line.node)
        if full <= scroll_x + width:
            return strip
        kept = list(strip.crop(0, width - 1))
        style = next((seg.style for seg in reversed(kept) if seg.text), None)
        return Strip([*kept, Segment("…", style)], width)


class NavTable(DataTable):
    BINDINGS = NAV_BINDINGS

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))
