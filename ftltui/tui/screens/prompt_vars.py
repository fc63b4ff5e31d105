"""``vars_prompt`` in the console: one modal that asks every prompt of a playbook before
its job is queued (ansible-playbook asks them on the terminal at the play's start).

Each prompt shows its text (plain text, never markup), a field (masked for ``private``,
the default as a hint and used when the field is left empty) and, for ``confirm: true``,
a second masked field that must match. ``enter``/ctrl+r answers, ``esc`` cancels (no job).
The answers exist in the fields and in the returned dict only: nothing here logs,
notifies or keeps them; private ones become job secrets (``enqueue_playbook(private=)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ftltui.playbook.vars_prompt import PromptSpec
from ftltui.tui.screens.form import FORM_CSS

# One entry as the run parses it (Ansible's booleans); the dialog reads name, text, private,
# default and confirm, and the run applies encrypt/salt/unsafe to the answers.
Prompt = PromptSpec


@dataclass
class Answers:
    values: dict[str, str]
    private: list[str]


def playbook_prompts(path: str, extra_vars: dict[str, Any], **load_options: Any) -> list[Prompt]:
    """The ``vars_prompt`` entries of every play, in order, once per name; names given
    with ``-e`` are not asked (as ansible-playbook). A playbook that does not load asks
    nothing here: the submit reports its error with file:line."""
    from ftltui.errors import FtlError
    from ftltui.playbook.loader import load_playbook
    from ftltui.playbook.vars_prompt import prompt_spec

    try:
        playbook = load_playbook(Path(path), **load_options)
    except (FtlError, OSError):
        return []
    out: dict[str, Prompt] = {}
    for play in playbook.plays:
        for entry in play.vars_prompt:
            name = str(entry.get("name"))
            if name in extra_vars or name in out:
                continue
            out[name] = prompt_spec(entry)
    return list(out.values())


class VarsPromptScreen(ModalScreen["Answers | None"]):
    # the shared form layout (form.tcss): the title and the buttons stay in view, the
    # prompts scroll between them (five prompts with confirmations outgrow 80x24)
    DEFAULT_CSS = FORM_CSS + """
    VarsPromptScreen { align: center middle; }
    VarsPromptScreen #prompts-box { width: 72; padding: 1 2; border: round $primary; background: $surface; }
    VarsPromptScreen .prompt { height: auto; }
    VarsPromptScreen .prompt-text { margin-top: 1; }
    """
    # no auto-focus: it focuses the first field before the layout and scrolls the body to
    # centre it, past the first question; on_mount focuses it without scrolling
    AUTO_FOCUS = ""
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompts.cancel"),
                Binding("ctrl+r", "submit", "Answer", id="prompts.submit")]

    def __init__(self, playbook: str, prompts: list[Prompt]) -> None:
        super().__init__()
        self.playbook = playbook
        self.prompts = prompts

    def compose(self) -> ComposeResult:
        with Vertical(id="prompts-box", classes="dialog form-box"):
            yield Label(Text(f"{Path(self.playbook).name} asks (vars_prompt)"), classes="form-title")
            with VerticalScroll(id="prompts-body", classes="form-body", can_focus=False):
                for i, p in enumerate(self.prompts):
                    hint = f" [{p.default}]" if p.default is not None and not p.private else ""
                    with Vertical(classes="prompt"):  # scrolled into view whole: the question with its field
                        yield Static(Text(p.text + hint), classes="prompt-text")
                        yield Input(password=p.private, id=f"prompt-{i}",
                                    placeholder="default if empty" if p.default is not None else "")
                        if p.confirm:
                            yield Input(password=p.private, id=f"prompt-{i}-confirm",
                                        placeholder=f"confirm {p.text}")
            with Vertical(classes="form-footer"):  # last: tab goes through the prompts first
                yield Static(Text(""), id="prompts-error", classes="form-error")
                with Horizontal(classes="form-buttons"):
                    yield Button(Text("Answer (ctrl+r)"), id="prompts-answer", variant="primary", compact=True)
                    yield Button(Text("Cancel (esc)"), id="prompts-cancel", compact=True)
                yield Static(Text("enter: next field, answer on the last · ctrl+r: answer · esc: cancel"),
                             classes="form-hint")

    def on_mount(self) -> None:
        if self.prompts:  # the body stays at its top: the first question shows above its field
            self.query_one("#prompt-0", Input).focus(scroll_visible=False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A field that gets the focus brings its question into view too (shift+tab up a
        scrolled body would otherwise show the field with its question above the fold)."""
        for node in event.widget.ancestors:
            if isinstance(node, Vertical) and node.has_class("prompt"):
                body = self.query_one("#prompts-body", VerticalScroll)
                self.call_after_refresh(body.scroll_to_widget, node, animate=False)
                return

    @on(Button.Pressed, "#prompts-answer")
    def _answer_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#prompts-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        fields = list(self.query(Input))
        index = fields.index(event.input)
        if index + 1 < len(fields):
            fields[index + 1].focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values: dict[str, str] = {}
        for i, p in enumerate(self.prompts):
            value = self.query_one(f"#prompt-{i}", Input).value
            if p.confirm and value != self.query_one(f"#prompt-{i}-confirm", Input).value:
                self.query_one("#prompts-error", Static).update(Text(f"{p.text}: the values entered do not match"))
                self.query_one(f"#prompt-{i}", Input).focus()
                return
            if value == "" and p.default is not None:
                value = p.default
            values[p.name] = value
        for field in self.query(Input):
            field.value = ""
        self.dismiss(Answers(values, [p.name for p in self.prompts if p.private]))

    def action_cancel(self) -> None:
        for field in self.query(Input):
            field.value = ""
        self.dismiss(None)
