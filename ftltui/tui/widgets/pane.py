"""The base of the four panes: a title, a ``/`` filter that persists, a main widget.

A pane owns its filter text (kept when you switch panes and come back); ``/`` opens
the filter input, ``enter`` keeps it, ``esc`` clears it. ``!`` inverts the regex.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input

from ftltui.tui.filters import PaneFilter
from ftltui.tui.widgets.status_line import StatusLine


class FilterInput(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    def action_clear_filter(self) -> None:
        pane = next(a for a in self.ancestors if isinstance(a, Pane))
        pane.clear_filter()


class Pane(Vertical):
    """Subclasses set ``TITLE`` and implement ``main()`` and ``filter_changed()``."""

    TITLE = ""
    BINDINGS = [Binding("slash", "open_filter", "Filter", id="pane.filter")]
    can_focus = False

    filter: reactive[PaneFilter] = reactive(PaneFilter, init=False)

    def compose_filter(self) -> ComposeResult:
        yield FilterInput(placeholder="filter (regex, ! inverts, esc clears)", id=f"{self.id}-filter",
                          classes="pane-filter")

    def compose_title(self) -> ComposeResult:
        yield StatusLine(self.TITLE, classes="pane-title", id=f"{self.id}-title")

    def main(self) -> Widget:
        raise NotImplementedError

    def focus_main(self) -> None:
        self.main().focus()

    def action_open_filter(self) -> None:
        inp = self.query_one(FilterInput)
        inp.value = self.filter.text
        inp.add_class("-open")
        inp.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput):
            event.stop()
            self.filter = PaneFilter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterInput):
            event.stop()
            self.filter = PaneFilter(event.value)
            if not event.value:
                event.input.remove_class("-open")
            self.focus_main()

    def clear_filter(self) -> None:
        inp = self.query_one(FilterInput)
        inp.value = ""
        inp.remove_class("-open")
        self.filter = PaneFilter("")
        self.focus_main()

    def set_filter(self, text: str) -> None:
        inp = self.query_one(FilterInput)
        inp.value = text
        inp.set_class(bool(text), "-open")
        self.filter = PaneFilter(text)

    def watch_filter(self, value: PaneFilter) -> None:
        self.filter_changed(value)
        self.update_title()

    def filter_changed(self, value: PaneFilter) -> None:
        pass

    def title_extra(self) -> str:
        return ""

    def update_title(self) -> None:
        parts = [self.TITLE]
        if self.filter.active:
            parts.append(f"filter: {self.filter.text}")
        extra = self.title_extra()
        if extra:
            parts.append(extra)
        try:
            self.query_one(".pane-title", StatusLine).show_text(Text(" · ".join(parts)))
        except Exception:
            pass
