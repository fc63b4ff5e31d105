"""``:config``: the effective Ansible configuration, as ``ftl-tui config`` prints it.

Each line is ``NAME(ORIGIN) = VALUE`` with ORIGIN ``/path/ansible.cfg:LINE``,
``env: ANSIBLE_X`` or ``default``; ``a`` switches between the changed settings and all
of them. Values come from the user's files and environment, so they are shown as
plain text, never markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftltui.tui.plain import plain

HINT = "a all/changed settings · esc or q closes · j/k scroll"


class ConfigScreen(ModalScreen[None]):
    """The settings changed from Ansible's defaults (or all with ``a``) and where each came from."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="config.close"),
        Binding("a", "toggle_all", "All settings", id="config.all"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="config.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="config.up"),
    ]

    DEFAULT_CSS = """
    ConfigScreen { align: center middle; }
    ConfigScreen #config-box { width: 90%; height: 80%; border: round $primary; background: $surface;
                               padding: 0 1; }
    ConfigScreen #config-body { height: 1fr; }
    """

    def __init__(self, config: Any, error: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.error = error
        self.show_all = False

    def compose(self) -> ComposeResult:
        with Vertical(id="config-box"):
            yield Static(Text("Ansible configuration (ftl-tui config)", style="bold"), id="config-title")
            yield Static(Text(HINT, style="dim"), id="config-hint")
            with VerticalScroll(id="config-body"):
                yield Static(self._text(), id="config-text")

    def _text(self) -> Text:
        if self.config is None:
            return plain(self.error or "no configuration read")
        text = Text()
        for w in self.config.warnings:
            text.append_text(plain("warning: " + w, style="yellow"))
            text.append("\n")
        lines = self.config.dump_lines(only_changed=not self.show_all)
        for line in lines:
            text.append_text(plain(line))
            text.append("\n")
        if len(lines) == 1 and not self.show_all:
            text.append("(every setting has Ansible's default: press a to see them)", style="dim")
        return text

    def on_mount(self) -> None:
        self.query_one("#config-body", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.query_one("#config-text", Static).update(self._text())

    def action_scroll(self, step: int) -> None:
        self.query_one("#config-body", VerticalScroll).scroll_relative(y=step, animate=False, immediate=True)
