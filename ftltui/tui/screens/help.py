"""``?``: every binding of the focused pane, then every ``:`` command (same registry)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.tui.commands import Registry


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="help.up"),
    ]

    def __init__(self, pane: str, bindings: list[tuple[str, str, str]], registry: Registry) -> None:
        super().__init__()
        self.pane = pane
        self.bindings_list = bindings
        self.registry = registry

    def compose(self) -> ComposeResult:
        keys = Table(title=f"Keys: {self.pane} pane", title_justify="left", expand=True, box=None,
                     show_header=True, header_style="bold")
        keys.add_column("Key", style="bold", width=14)
        keys.add_column("Action")
        keys.add_column("Binding id", style="dim")
        for key, desc, bid in self.bindings_list:
            keys.add_row(key, desc, bid)
        cmds = Table(title="Commands (: line, ctrl+p palette)", title_justify="left", expand=True, box=None,
                     header_style="bold")
        cmds.add_column("Usage", style="bold")
        cmds.add_column("What it does")
        for c in self.registry:
            cmds.add_row(":" + c.usage, c.help)
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(keys)
            yield Static("")
            yield Static(cmds)
            yield Static(Text("\nRemap keys in keymap.yaml (binding id: key). esc closes.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, step: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_relative(y=step, animate=False)
