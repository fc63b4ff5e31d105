"""The headless console core: one session on a state directory, typed operations and
a typed feed of view updates. The console (``ftltui.tui``), the CLI commands and the
API are faces on it; nothing here imports textual."""

from ftltui.console.results import (
    BaselinePinned,
    ConnectionCount,
    DriftAccepted,
    JobActionResult,
)
from ftltui.console.session import ConsoleSession

__all__ = ["BaselinePinned", "ConnectionCount", "ConsoleSession", "DriftAccepted", "JobActionResult"]
