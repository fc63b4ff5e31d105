"""``enter`` on a host: its route, masked vars and last facts, full screen."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.tui.hostview import describe

# the detail viewers (a host, a job): how to close and scroll, over a body that scrolls
CLOSE_HINT = "esc, q or enter closes · ↑/↓ pgup/pgdn home/end scroll"
DETAIL_CSS = """
.detail-hint { height: auto; }
.detail-body { height: 1fr; }
"""


class HostDetailScreen(ModalScreen[None]):
    # the keys above the scrolling body, always in view (a modal covers the app's footer)
    DEFAULT_CSS = DETAIL_CSS
    BINDINGS = [Binding("escape,q,enter", "close", "Back", id="hostdetail.close")]

    def __init__(self, host: Any, status: str | None, facts: dict[str, Any] | None) -> None:
        super().__init__()
        self.host = host
        self.status = status
        self.facts = facts

    def compose(self) -> ComposeResult:
        with Vertical(id="host-detail", classes="dialog"):
            yield Static(Text(CLOSE_HINT, style="dim"), classes="detail-hint")
            with VerticalScroll(classes="detail-body"):
                yield Static(Text("\n".join(describe(self.host, self.status, self.facts, max_vars=500))))

    def action_close(self) -> None:
        self.dismiss(None)
