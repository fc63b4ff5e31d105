"""A yes/no question for destructive actions (cancel, purge, accept drift, quit).

Two buttons, one of them focused (highlighted): ``enter`` presses the focused one,
``tab``/``←``/``→`` move between them, ``y`` and ``n`` answer directly, ``esc`` is no.
"No" is focused first, so a stray ``enter`` never destroys anything.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", id="confirm.cancel", show=False),
        Binding("left,h", "app.focus_previous", "Previous button", id="confirm.left", show=False),
        Binding("right,l", "app.focus_next", "Next button", id="confirm.right", show=False),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No", default: bool = False) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(Text(self.question, style="bold"), id="confirm-question")
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
