"""One-line (fixed-height) status widgets that repaint only themselves.

``Static.update`` asks for a layout pass by default, and a layout pass repaints the
whole screen. The header and the pane status lines change on every 80 ms flush while
output streams, so they skip unchanged content and update without layout: their
height is fixed in the stylesheet, so the layout cannot change.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusLine(Static):
    """A fixed-height ``Static`` whose ``show`` is a no-op when the text is unchanged."""

    def __init__(self, content: str | Text = "", **kw) -> None:
        kw.setdefault("markup", False)  # a str here is shown as is (titles carry typed filters)
        super().__init__(content, **kw)
        self._shown: tuple[str, tuple] | None = None

    def show_text(self, text: Text) -> None:
        key = (text.plain, tuple((s.start, s.end, str(s.style)) for s in text.spans))
        if key == self._shown:
            return
        self._shown = key
        self.update(text, layout=False)
