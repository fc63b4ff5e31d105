"""Drill into one host's drift: grouped changes, field-level before/after, unified diffs."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ftltui.engine.sanitize import safe_text
from ftltui.tui.messages import DriftAction

SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan"}
KIND_MARK = {"added": "+", "removed": "-", "modified": "~"}


def change_label(change: Any) -> Text:
    t = Text()
    t.append(f"{change.severity:<8} ", style=SEV_STYLE.get(change.severity, ""))
    t.append(f"{KIND_MARK.get(change.kind, '?')} {change.category:<8} ")
    t.append(safe_text(f"{change.type}:{change.id}", 120))
    return t


def change_detail(change: Any) -> list[Any]:
    """Renderables for one change: header, before/after per field, the unified diff."""
    head = Text()
    head.append(safe_text(f"{change.type} {change.id}", 300), style="bold")
    head.append(f"  {change.kind} · {change.category} · {change.severity}")
    if change.rule:
        head.append(f" · rule {safe_text(change.rule, 80)}", style="dim")
    if change.summary:
        head.append("\n" + safe_text(change.summary, 500))
    out: list[Any] = [head]
    if change.fields:
        t = Text("\nfields\n", style="bold")
        for f in change.fields:
            t.append(f"  {safe_text(f.path, 120)}\n", style="bold")
            t.append(f"    - {safe_text(repr(f.before), 400)}\n", style="red")
            t.append(f"    + {safe_text(repr(f.after), 400)}\n", style="green")
        out.append(t)
    if change.diff:
        out.append(Text("\ndiff", style="bold"))
        out.append(Syntax(safe_text(change.diff), "diff",
                          theme="ansi_dark", word_wrap=True, background_color="default"))
    return out


class ChangeList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="drifthost.down"),
        Binding("k", "cursor_up", "Up", show=False, id="drifthost.up"),
    ]


class DriftHostScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="drifthost.close"),
        Binding("b", "drift('baseline')", "Pin baseline", id="drifthost.baseline"),
        Binding("a", "drift('accept')", "Accept", id="drifthost.accept"),
        Binding("s", "drift('scan')", "Scan host", id="drifthost.scan"),
    ]

    def __init__(self, host: str, changes: list[Any], basis: str = "", problems: list[str] | None = None) -> None:
        super().__init__()
        self.host = host
        self.changes = changes
        self.basis = basis
        self.problems = list(problems or ())  # why the host was not scanned or compared

    def compose(self) -> ComposeResult:
        with Vertical(id="drift-detail", classes="dialog"):
            title = Text(f"drift on {safe_text(self.host)}", style="bold")
            title.append(f"  {len(self.changes)} change(s) · compared with {self.basis or '-'}"
                         "   enter/↑↓ select · tab detail · b pin baseline · a accept · s scan · esc back",
                         style="dim")
            yield Static(title)
            for problem in self.problems:
                yield Static(Text(safe_text(problem, 500), style="bold red"), classes="drift-problem")
            with Horizontal():
                yield ChangeList(*[Option(change_label(c), id=str(i)) for i, c in enumerate(self.changes)],
                                 id="change-list")
                with VerticalScroll(id="change-detail"):
                    empty = "no drift known (see above)" if self.problems else "no drift"
                    yield Static(Text(empty if not self.changes else ""), id="change-body")

    def on_mount(self) -> None:
        ol = self.query_one(ChangeList)
        if self.changes:
            ol.highlighted = 0
            self.show(0)
        ol.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.show(int(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.show(int(event.option.id))

    def show(self, i: int) -> None:
        from rich.console import Group

        self.query_one("#change-body", Static).update(Group(*change_detail(self.changes[i])))

    def action_drift(self, action: str) -> None:
        self.app.post_message(DriftAction(action, self.host))
        if action != "baseline":
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
