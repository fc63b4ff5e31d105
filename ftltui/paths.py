"""Where ftl-tui keeps its state: ``--state-dir``, else ``$FTL_TUI_HOME``, else XDG data."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
SAMPLE_INVENTORY = REPO_DIR / "sample_inventory"
THEMES_DIR = REPO_DIR / "themes"


def state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the state directory and create it ``0700`` if missing."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get("FTL_TUI_HOME"):
        path = Path(os.environ["FTL_TUI_HOME"])
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "ftl-tui"
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_inventory() -> Path:
    """The bundled sample inventory, used when no ``-i`` is given."""
    return SAMPLE_INVENTORY
