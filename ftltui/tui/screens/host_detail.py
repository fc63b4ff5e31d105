"""``enter`` on a host: its route, masked vars and last facts, full screen."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.tui.hostview import describe


class HostDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "close", "Back", id="hostdetail.close")]

    def __init__(self, host: Any, status: str | None, facts: dict[str, Any] | None) -> None:
        super().__init__()
        self.host = host
        self.status = status
        self.facts = facts

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="host-detail", classes="dialog"):
            yield Static(Text("\n".join(describe(self.host, self.status, self.facts, max_vars=500))))

    def action_close(self) -> None:
        self.dismiss(None)
