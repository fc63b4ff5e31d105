"""Ask for one secret (a vault password, a become password, a key passphrase).

A modal with a title, a one-line label, a password field (the typed text shows as
bullets), OK and Cancel. ``enter`` is OK, ``esc`` is Cancel. It returns the text, or
None when cancelled (an empty answer is None too). The value exists only in the field
and in the return value: it is not logged, not put in a notification, not kept here.
Fits an 80x24 terminal: a label longer than the screen scrolls above OK and Cancel.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ftltui.tui.screens.form import FORM_CSS


class SecretPrompt(ModalScreen["str | None"]):
    DEFAULT_CSS = FORM_CSS + """
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
    AUTO_FOCUS = ""  # on_mount focuses the field
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="secret.cancel", show=False),
                # the field keeps the focus; these scroll a label taller than the screen
                Binding("up", "scroll(-1)", "Scroll up", id="secret.up", show=False),
                Binding("down", "scroll(1)", "Scroll down", id="secret.down", show=False),
                Binding("pageup", "scroll(-10)", "Page up", id="secret.page_up", show=False),
                Binding("pagedown", "scroll(10)", "Page down", id="secret.page_down", show=False)]

    def __init__(self, title: str, label: str, *, placeholder: str = "password") -> None:
        super().__init__()
        self.title_text = title
        self.label_text = label
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        # Text(...) everywhere: a vault id or host name in the label is never read as markup.
        # The form layout (form.tcss): a label longer than the screen scrolls, OK stays in view.
        with Vertical(id="secret-box", classes="dialog form-box"):
            yield Static(Text(self.title_text), id="secret-title", classes="form-title")
            with VerticalScroll(id="secret-body", classes="form-body", can_focus=False):
                yield Static(Text(self.label_text), id="secret-label")
                yield Input(password=True, placeholder=self.placeholder, id="secret-input")
            with Vertical(classes="form-footer"):
                with Horizontal(id="secret-buttons"):
                    yield Button(Text("OK"), id="secret-ok", variant="primary", compact=True)
                    yield Button(Text("Cancel"), id="secret-cancel", compact=True)
                yield Static(Text("enter: OK · esc: cancel", style="dim"), id="secret-hint")

    def on_mount(self) -> None:
        # the field, not the label's first rows, is what must be in view: focus it without the
        # screen's (deferred, animated) scroll to it and show the body's end, field included
        self.query_one("#secret-input", Input).focus(scroll_visible=False)
        body = self.query_one("#secret-body", VerticalScroll)
        self.call_after_refresh(body.scroll_end, animate=False, immediate=True)

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

    def action_scroll(self, rows: int) -> None:
        self.query_one("#secret-body", VerticalScroll).scroll_relative(y=rows, animate=False, immediate=True)
