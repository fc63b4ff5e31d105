"""``?``: the app's own keys (the focused pane's, then the global ones), every ``:``
command (same registry), and last the standard keys Textual's widgets add.

The close and scroll hint sits above the scrolling body so it is always in view.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ftltui.tui.commands import Registry

Row = tuple[str, str, str]  # key(s), what it does, binding id
Section = tuple[str, list[Row]]

CLOSE_HINT = "esc, q or ? closes · j/k ↑/↓ scroll · g/G top/bottom · pgup/pgdn page"


def help_sections(screen: Screen, pane: str) -> list[Section]:
    """The screen's active bindings, grouped for reading.

    Bindings with an id are the app's own: those of the focused pane's widgets first,
    then those of the screen and the app. A binding without an id is one of Textual's
    built-ins: when it does the same action as one of ours on the same widget its key
    joins our row (``j`` and ``↓`` both move down); the rest are listed last.
    """
    app = screen.app
    ours: dict[str, list[str]] = {}  # binding id -> keys, in binding order
    described: dict[str, tuple[str, bool]] = {}  # binding id -> description, global
    first: dict[tuple[int, str], str] = {}  # (node, action) -> the first id doing it there
    builtin: list[tuple[tuple[int, str], str, str]] = []
    for active in screen.active_bindings.values():
        b = active.binding
        where = (id(active.node), b.action)
        key = app.get_key_display(b)
        if b.id:
            if b.id not in ours:
                ours[b.id] = []
                described[b.id] = (b.description or b.action, isinstance(active.node, (Screen, App)))
                first.setdefault(where, b.id)
            ours[b.id].append(key)
        else:
            builtin.append((where, key, b.description or b.action))
    extra: list[Row] = []
    for where, key, desc in builtin:
        if where in first:
            ours[first[where]].append(key)
        else:
            extra.append((key, desc, ""))
    local = [(" ".join(keys), described[i][0], i) for i, keys in ours.items() if not described[i][1]]
    glob = [(" ".join(keys), described[i][0], i) for i, keys in ours.items() if described[i][1]]
    sections: list[Section] = [(f"Keys: {pane} pane", local), ("Keys: everywhere", glob)]
    if extra:
        sections.append(("Standard keys (Textual)", extra))
    return sections


def _keys_table(title: str, rows: list[Row], id_width: int) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=True, box=None,
                  show_header=False, pad_edge=False)
    table.add_column("Key", style="bold", no_wrap=True, width=12)
    table.add_column("Action", ratio=1)
    table.add_column("Binding id", style="dim", no_wrap=True, overflow="ellipsis", width=id_width)
    for key, desc, bid in rows:
        table.add_row(Text(key), Text(desc), Text(bid))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
        Binding("g,home", "top", "Top", show=False, id="help.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="help.bottom"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="help.page_up"),
    ]

    def __init__(self, pane: str, sections: list[Section], registry: Registry) -> None:
        super().__init__()
        self.pane = pane
        self.sections = sections
        self.registry = registry

    def compose(self) -> ComposeResult:
        cmds = Table(title="Commands (: line, ctrl+p palette)", title_justify="left", title_style="bold",
                     expand=True, box=None, show_header=False, pad_edge=False)
        cmds.add_column("Usage", style="bold", max_width=34)
        cmds.add_column("What it does", ratio=1)
        for c in self.registry:
            cmds.add_row(Text(":" + c.usage), Text(c.help))
        id_width = max((len(bid) for bid in (r[2] for r in self.bindings_list)), default=0)
        with Vertical(id="help-box", classes="dialog"):
            yield Static(Text(CLOSE_HINT, style="dim"), id="help-hint")
            with VerticalScroll(id="help-body"):
                for i, (title, rows) in enumerate(self.sections):
                    if i == 2:  # Textual's standard keys come after everything of the app's own
                        yield Static(cmds, classes="help-section")
                    yield Static(_keys_table(title, rows, id_width), classes="help-section")
                if len(self.sections) <= 2:
                    yield Static(cmds, classes="help-section")
                yield Static(Text("Remap keys in keymap.yaml (binding id: key).", style="dim"))

    @property
    def bindings_list(self) -> list[Row]:
        """Every row, in the order shown."""
        return [row for _, rows in self.sections for row in rows]

    def on_mount(self) -> None:
        self.query_one("#help-body", VerticalScroll).focus()

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#help-body", VerticalScroll)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, step: int) -> None:
        self.body.scroll_relative(y=step, animate=False, immediate=True)

    def action_page(self, step: int) -> None:
        body = self.body
        body.scroll_relative(y=step * max(1, body.scrollable_content_region.height - 1), animate=False,
                             immediate=True)

    def action_top(self) -> None:
        self.body.scroll_home(animate=False, immediate=True)

    def action_bottom(self) -> None:
        self.body.scroll_end(animate=False, immediate=True)
