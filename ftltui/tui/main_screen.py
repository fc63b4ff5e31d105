"""The main screen: header, the four panes in a switcher, the ``:`` line, the footer.

Pane navigation lives here (not on the App) so that ``tab`` in modal screens keeps
its usual meaning (next field) while on the main screen it cycles panes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from ftltui.tui.commands import PANES
from ftltui.tui.widgets.command_line import CommandLine
from ftltui.tui.widgets.drift_pane import DriftPane
from ftltui.tui.widgets.inventory_pane import InventoryPane
from ftltui.tui.widgets.jobs_pane import JobsPane
from ftltui.tui.widgets.key_footer import KeyFooter
from ftltui.tui.widgets.logs_pane import LogsPane
from ftltui.tui.widgets.pane import Pane
from ftltui.tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from ftltui.tui.app_base import ConsoleAppBase


class MainScreen(Screen[None]):
    """The console's one main screen; :attr:`console` is its App, typed."""

    # the Inventory tree, even empty: Textual's default ("*") picked the pane's hidden filter
    # input, so on a broken inventory 1-4, q and : were typed into it (hR finding 22)
    AUTO_FOCUS = "#inventory-tree"

    BINDINGS = [
        Binding("1", "pane('inventory')", "Inventory", id="pane.inventory", show=False),
        Binding("2", "pane('logs')", "Logs", id="pane.logs", show=False),
        Binding("3", "pane('drift')", "Drift", id="pane.drift", show=False),
        Binding("4", "pane('jobs')", "Jobs", id="pane.jobs", show=False),
        Binding("tab", "cycle(1)", "Next pane", id="pane.next", show=False),
        Binding("shift+tab", "cycle(-1)", "Prev pane", id="pane.prev", show=False),
        Binding("escape", "back", "Back", id="app.back", show=False),
        Binding("colon", "command_line", "Command", id="app.command"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "app.request_quit", "Quit", id="app.quit"),
    ]

    @property
    def console(self) -> ConsoleAppBase:
        from ftltui.tui.app_base import console_app  # app_base imports this screen

        return console_app(self.app)

    def compose(self) -> ComposeResult:
        app = self.console
        yield StatusHeader(id="header")
        with ContentSwitcher(initial="inventory", id="panes"):
            yield InventoryPane(id="inventory")
            yield LogsPane(id="logs", capacity=app.log_capacity, clock=app.clock, save_dir=app.state_dir)
            yield DriftPane(id="drift")
            yield JobsPane(id="jobs", clock=app.clock, show_durations=not app.snapshot_mode)
        yield CommandLine(app.registry, app.history, app.completion_values, id="command-line")
        yield KeyFooter(id="footer")

    def on_mount(self) -> None:
        self.console.load_inventory()

    @property
    def current(self) -> str:
        return self.query_one(ContentSwitcher).current or "inventory"

    def pane(self, name: str | None = None) -> Pane:
        return self.query_one(f"#{name or self.current}", Pane)

    def action_pane(self, name: str) -> None:
        if name not in PANES:
            return
        self.query_one(ContentSwitcher).current = name
        self.pane(name).focus_main()
        self.console.refresh_header()

    def action_cycle(self, step: int) -> None:
        i = PANES.index(self.current)
        self.action_pane(PANES[(i + step) % len(PANES)])

    def action_back(self) -> None:
        cl = self.query_one(CommandLine)
        if cl.has_class("-open"):
            self.close_command_line()
        else:
            self.pane().focus_main()

    def action_command_line(self, text: str = "") -> None:
        cl = self.query_one(CommandLine)
        cl.add_class("-open")
        cl.value = text
        cl.cursor_position = len(text)
        cl.focus()

    def close_command_line(self) -> None:
        cl = self.query_one(CommandLine)
        cl.remove_class("-open")
        self.pane().focus_main()

    def on_command_line_closed(self, event: CommandLine.Closed) -> None:
        self.close_command_line()

    def on_command_line_run(self, event: CommandLine.Run) -> None:
        self.close_command_line()
        if event.line:
            self.console.run_command_line(event.line)

    def action_help(self) -> None:
        self.console.show_help()
