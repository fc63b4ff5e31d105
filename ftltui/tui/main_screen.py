"""The main screen: header, the four panes in a switcher, the ``:`` line, the footer.

Pane navigation lives here (not on the App) so that ``tab`` in modal screens keeps
its usual meaning (next field) while on the main screen it cycles panes.
"""

from __future__ import annotations

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


class MainScreen(Screen[None]):
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

    def compose(self) -> ComposeResult:
        app = self.app
        yield StatusHeader(id="header")
        with ContentSwitcher(initial="inventory", id="panes"):
            yield InventoryPane(id="inventory")
            yield LogsPane(id="logs", capacity=app.log_capacity, clock=app.clock,  # type: ignore[attr-defined]
                           save_dir=app.state_dir)  # type: ignore[attr-defined]
            yield DriftPane(id="drift")
            yield JobsPane(id="jobs", clock=app.clock, show_durations=not app.snapshot_mode)  # type: ignore[attr-defined]
        yield CommandLine(app.registry, app.history, app.completion_values, id="command-line")  # type: ignore[attr-defined]
        yield KeyFooter(id="footer")

    def on_mount(self) -> None:
        self.app.load_inventory()  # type: ignore[attr-defined]

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
        self.app.refresh_header()  # type: ignore[attr-defined]

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
            self.app.run_command_line(event.line)  # type: ignore[attr-defined]

    def action_help(self) -> None:
        self.app.show_help()  # type: ignore[attr-defined]
