"""The headless console core: one session on a state directory, typed operations and
a typed feed of view updates. The console (``ftltui.tui``), the CLI commands and the
API are faces on it; nothing here imports textual."""

from ftltui.console.job_secrets import PlaybookSecrets
from ftltui.console.results import (
    BaselinePin,
    BaselinePinned,
    BaselineRequest,
    ConnectionCount,
    DriftAccepted,
    JobActionResult,
)
from ftltui.console.session import ConsoleSession
from ftltui.console.session_settings import SessionSettings

__all__ = ["BaselinePin", "BaselinePinned", "BaselineRequest", "ConnectionCount", "ConsoleSession", "DriftAccepted",
           "JobActionResult", "PlaybookSecrets", "SessionSettings"]
