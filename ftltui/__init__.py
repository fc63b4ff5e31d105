"""ftl-tui: a keyboard-driven terminal operations console for infrastructure automation.

The engine is a library first: ``async with ftltui.automation(inventory=...) as ftl``
gives the same executor the CLI, the job queue and the TUI use.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "automation"]


def __getattr__(name: str):  # lazy: importing ftltui must stay cheap for the gate/CLI
    if name == "automation":
        from ftltui.engine.api import automation

        return automation
    raise AttributeError(name)
