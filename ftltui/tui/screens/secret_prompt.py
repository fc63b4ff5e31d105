"""Ask for one secret (a vault password, a become password, a key passphrase).

A modal with a title, a one-line label, a password field (the typed text shows as
bullets), OK and Cancel. ``enter`` is OK, ``esc`` is Cancel. It returns the text, or
None when cancelled (an empty answer is None too). The value exists only in the field
and in the return value: it is not logged, not put in a notification, not kept here.
Fits an 80x24 terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class SecretPrompt(ModalScreen["str | None"]):
    DEFAULT_CSS = """
    SecretPrompt { align: center middle; }
    SecretPrompt #secret-box {
        width: 64; max-width: 100%; height: auto; padding: 1 2;
        border: round $primary; background: $surface;
    }
    SecretPrompt #secret-title { text-style: bold; margin-bottom: 1; }
    SecretPrompt #secret-input { margin: 1 0; }
    SecretPrompt #secret-buttons { height: auto; align-horizontal: right; }
    SecretPrompt #secret-buttons Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="secret.cancel", show=False)]

    def __init__(self, title: str, label: str, *, placeholder: str = "password") -> None:
        super().__init__()
        self.title_text = title
        self.label_text = label
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        # Text(...) everywhere: a vault id or host name in the label is never read as markup
        with Vertical(id="secret-box", classes="dialog"):
            yield Static(Text(self.title_text), id="secret-title")
            yield Static(Text(self.label_text), id="secret-label")
            yield Input(password=True, placeholder=self.placeholder, id="secret-input")
            with Horizontal(id="secret-buttons"):
                yield Button(Text("OK"), id="secret-ok", variant="primary", compact=True)
                yield Button(Text("Cancel"), id="secret-cancel", compact=True)
            yield Static(Text("enter: OK · esc: cancel", style="dim"), id="secret-hint")

    def on_mount(self) -> None:
        self.query_one("#secret-input", Input).focus()

    def _answer(self) -> None:
        field = self.query_one("#secret-input", Input)
        value = field.value
        field.value = ""
        self.dismiss(value or None)

    @on(Input.Submitted, "#secret-input")
    def _submitted(self) -> None:
        self._answer()

    @on(Button.Pressed, "#secret-ok")
    def _ok(self) -> None:
        self._answer()

    @on(Button.Pressed, "#secret-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.query_one("#secret-input", Input).value = ""
        self.dismiss(None)
