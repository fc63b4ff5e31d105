"""List widgets with vim-style movement (j/k/g/G) and binding ids for the keymap."""

from __future__ import annotations

from typing import Iterable

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import DataTable, Tree
from textual.widgets.tree import TreeNode

NAV_BINDINGS: list[BindingType] = [
    Binding("j", "cursor_down", "Down", id="nav.down", show=False),
    Binding("k", "cursor_up", "Up", id="nav.up", show=False),
    Binding("g", "first", "Top", id="nav.top", show=False),
    Binding("G", "last", "Bottom", id="nav.bottom", show=False),
]


class NavTree(Tree):
    BINDINGS = NAV_BINDINGS

    _measured_width = -1  # the width of the last Resize Tree handled

    def _on_resize(self, event: events.Resize) -> None:
        """Tree re-measures every line and asks for a layout of the whole screen at every
        Resize, and a pane shown again gets one at its old size too: at 1,000 hosts each
        switch to the Inventory pane laid out and painted the screen twice (issue 17, key
        latency). Lines do not depend on the height, and rendered lines are cached by width:
        only a new width needs Tree's handler, which runs next in the MRO."""
        self._line_cache.grow(event.size.height)
        if event.size.width == self._measured_width:
            event.prevent_default()
        self._measured_width = event.size.width

    def notify_style_update(self) -> None:
        """Tree's rebuilds the list of every line (1,000+) and asks for a layout of the whole
        screen; focus coming or going is a style update, so that was every pane switch. A
        style changes how lines look, never which lines there are or their width: drop the
        rendered lines and repaint the tree, no more."""
        super(Tree, self).notify_style_update()
        self._line_cache.clear()
        self.refresh()

    def action_first(self) -> None:
        self.cursor_line = 0
        self.scroll_to_line(0)

    def action_last(self) -> None:
        self.cursor_line = max(0, self.last_line)
        self.scroll_to_line(self.cursor_line)

    def line_width(self, node: TreeNode) -> int:
        """Cells the node's line needs: guides plus label."""
        depth = 0
        parent = node.parent
        while parent is not None:
            depth += 1
            parent = parent.parent
        return (depth - (0 if self.show_root else 1)) * self.guide_depth + self.get_label_width(node)

    _asked: tuple[int, int] = (-1, 0)  # (virtual width, widest line) of the last re-measure asked

    def fit_width(self, nodes: Iterable[TreeNode]) -> None:
        """Call after labels changed: a label grown past the tree's width (a status word
        appended) has the lines measured again, so a ``width: auto`` tree grows with it.
        Textual measures lines only when the tree's shape changes, and a hidden tree (another
        pane shown) not until it is shown: asking again for no wider a line while the width
        is unchanged would only repeat a full-screen layout at every flush (issue 17: every
        80 ms while 1,000 hosts streamed)."""
        width = self.virtual_size.width
        widest = max((self.line_width(n) for n in nodes), default=0)
        if widest > width and not (self._asked[0] == width and widest <= self._asked[1]):
            self._asked = (width, widest)
            self._invalidate()

    def render_line(self, y: int) -> Strip:
        """A line cut by the right edge ends in ``…``, so a cut name reads as cut."""
        strip = super().render_line(y)
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        lines = self._tree_lines
        if width < 2 or y + scroll_y >= len(lines):
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
