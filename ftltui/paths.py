"""Where ftl-tui keeps its state: ``--state-dir``, else ``$FTL_TUI_HOME``, else XDG data."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def bundled_dir(package_name: str, source_name: str) -> Path:
    """A data directory that ships with ftl-tui.

    The top-level directory ``source_name`` of the source tree is the only copy; the
    wheel carries it as package data ``ftltui/<package_name>`` (pyproject.toml maps it).
    A source checkout or an editable install has no such package directory, so the
    top-level one is used there.
    """
    shipped = files("ftltui") / package_name
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return REPO_DIR / source_name


SAMPLE_INVENTORY = bundled_dir("sample_inventory", "sample_inventory")
THEMES_DIR = bundled_dir("themes_data", "themes")


def state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the state directory and create it ``0700`` if missing (``StateError``, one
    line naming it, when it cannot be a directory: :mod:`ftltui.state.directory`)."""
    from ftltui.state.directory import prepare_state_dir

    return prepare_state_dir(state_dir_path(explicit))


def state_dir_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the state directory is, without creating it (to look for its owner)."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get("FTL_TUI_HOME"):
        path = Path(os.environ["FTL_TUI_HOME"])
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "ftl-tui"
    return path.expanduser()


ETC_ANSIBLE_HOSTS = Path("/etc/ansible/hosts")


def default_inventory() -> Path:
    """The bundled sample inventory (the demo), used when nothing else names an inventory."""
    return SAMPLE_INVENTORY


def default_inventory_sources(config: Any = None) -> tuple[list[str], bool]:
    """Ansible's default inventory, then the demo: ``(sources, is_demo)``.

    The configured inventory (ansible.cfg ``inventory`` or ``$ANSIBLE_INVENTORY``) when
    set; else ``/etc/ansible/hosts`` if present (Ansible's default); else the bundled
    sample, so a fresh machine still opens on something, and callers say it is the demo.
    """
    if config is not None and config.inventory_configured:
        return list(config.inventory), False
    if ETC_ANSIBLE_HOSTS.exists():
        return [str(ETC_ANSIBLE_HOSTS)], False
    return [str(SAMPLE_INVENTORY)], True


def is_demo_inventory(sources: list[str]) -> bool:
    """True when ``sources`` is just the bundled sample (the console shows a banner)."""
    return [Path(s).resolve() for s in sources] == [SAMPLE_INVENTORY.resolve()]
