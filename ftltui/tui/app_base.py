"""What every part of the console's App may rely on: its session, registry and typed panes.

:class:`ConsoleAppBase` is the common base of the App's command mixins
(:mod:`ftltui.tui.app_commands`, :mod:`ftltui.tui.app_drift`) and of
:class:`~ftltui.tui.app.FtlApp`, so each of them is type-checked against the same
attributes instead of an ``app: Any``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from textual.app import App

from ftltui.console.guard import ProtectedConfirmationRequired
from ftltui.console.session import ConsoleSession
from ftltui.drift.model import DriftReport
from ftltui.inventory import Inventory
from ftltui.jobs.play_record import PlayRecord
from ftltui.tui.commands import History, Registry
from ftltui.tui.main_screen import MainScreen
from ftltui.tui.vault_prompt import VaultAsker
from ftltui.tui.widgets.drift_pane import DriftPane
from ftltui.tui.widgets.inventory_pane import InventoryPane
from ftltui.tui.widgets.jobs_pane import JobsPane
from ftltui.tui.widgets.logs_pane import LogsPane


class ConsoleAppBase(App[int]):
    """Attributes :class:`~ftltui.tui.app.FtlApp` sets in ``__init__``, and typed pane access."""

    services: ConsoleSession
    registry: Registry
    history: History
    sources: list[str]
    snapshot_mode: bool
    clock: Callable[[], float]
    ansible_config: Any
    vault_asker: VaultAsker
    drift_report_cache: DriftReport | None
    state_dir: Path | None
    log_capacity: int
    inventory_error: str | None
    inventory_error_noted: str | None

    if TYPE_CHECKING:  # defined by FtlApp (lifecycle, themes, help) and the mixins
        def completion_values(self, kind: str) -> list[str]: ...
        def run_command_line(self, line: str) -> None: ...
        def open_command_line(self, text: str = "") -> None: ...
        def load_inventory(self) -> Any: ...
        def switch_theme(self, name: str) -> bool: ...
        def show_help(self) -> None: ...
        def refresh_header(self) -> None: ...
        def action_request_quit(self) -> None: ...
        def refresh_drift(self) -> None: ...
        def drift_action(self, action: str, pattern: str) -> None: ...
        def refuse_readonly(self, action: str) -> bool: ...
        def confirm_protected(self, exc: ProtectedConfirmationRequired, again: Callable[[], object]) -> None: ...

    # -- the screen and its panes, typed ------------------------------------------------
    @property
    def main(self) -> MainScreen:
        for s in self.screen_stack:
            if isinstance(s, MainScreen):
                return s
        raise LookupError("main screen not mounted")

    def jobs_pane(self) -> JobsPane:
        return self.main.query_one(JobsPane)

    def logs_pane(self) -> LogsPane:
        return self.main.query_one(LogsPane)

    def inventory_pane(self) -> InventoryPane:
        return self.main.query_one(InventoryPane)

    def drift_pane(self) -> DriftPane:
        return self.main.query_one(DriftPane)

    @property
    def inventory(self) -> Inventory | None:
        """The session's inventory (None until the first load succeeded)."""
        return self.services.inventory

    @property
    def play_records(self) -> dict[int, PlayRecord]:
        """Playbook job -> its matrix, kept by the session's feed."""
        return self.services.play_records


def console_app(app: object) -> ConsoleAppBase:
    """``app`` as the console's App (a screen's or a provider's ``self.app`` is typed as
    any Textual App): the typed attributes above, checked once, instead of an ignored
    type error at each use."""
    if not isinstance(app, ConsoleAppBase):
        raise TypeError(f"expected the ftl-tui console App, got {type(app).__name__}")
    return app
