"""A yes/no question for destructive actions (cancel, purge, accept drift, quit).

Two buttons, one of them focused (highlighted): ``enter`` presses the focused one,
``tab``/``←``/``→`` move between them, ``y`` and ``n`` answer directly, ``esc`` is no.
"No" is focused first, so a stray ``enter`` never destroys anything.

The question scrolls above the buttons (form.tcss's layout): a question longer than
the screen (a schedule's long command) never pushes them below the fold, and
``↑``/``↓``/``home``/``end``/page keys scroll it while a button keeps the focus.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ftltui.tui.screens.form import FORM_CSS


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = FORM_CSS
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", id="confirm.cancel", show=False),
        Binding("left,h", "app.focus_previous", "Previous button", id="confirm.left", show=False),
        Binding("right,l", "app.focus_next", "Next button", id="confirm.right", show=False),
        Binding("up,k", "scroll(-1)", "Scroll up", id="confirm.up", show=False),
        Binding("down,j", "scroll(1)", "Scroll down", id="confirm.down", show=False),
        Binding("pageup", "scroll(-10)", "Page up", id="confirm.page_up", show=False),
        Binding("pagedown", "scroll(10)", "Page down", id="confirm.page_down", show=False),
        Binding("home", "scroll_home", "Top", id="confirm.top", show=False),
        Binding("end", "scroll_end", "Bottom", id="confirm.bottom", show=False),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No", default: bool = False) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog form-box"):
            with VerticalScroll(id="confirm-body", classes="form-body", can_focus=False):
                yield Static(Text(self.question, style="bold"), id="confirm-question")
            with Vertical(classes="form-footer"):
                with Horizontal(id="confirm-buttons"):
                    yield Button(Text(f"{self.yes_label} (y)"), id="confirm-yes", variant="error", compact=True)
                    yield Button(Text(f"{self.no_label} (n)"), id="confirm-no", variant="primary", compact=True)
                yield Static(Text("enter: the highlighted button · tab ← → move · esc: no", style="dim"),
                             id="confirm-hint")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes" if self.default else "#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#confirm-body", VerticalScroll)

    def action_scroll(self, rows: int) -> None:
        self.body.scroll_relative(y=rows, animate=False, immediate=True)

    def action_scroll_home(self) -> None:
        self.body.scroll_home(animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self.body.scroll_end(animate=False, immediate=True)
