"""Fixtures for the console tests: a deterministic app on a checked-in inventory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pytest

os.environ["TEXTUAL_ANIMATIONS"] = "none"
os.environ.pop("TEXTUAL_THEME", None)

HERE = Path(__file__).resolve().parent
FIXTURE_INVENTORY = HERE / "fixtures" / "inventory.yml"
FIXED_TIME = 1_700_000_000.0
SIZE = (120, 40)


def fixed_clock() -> float:
    return FIXED_TIME


@pytest.fixture
def fixture_inventory() -> Path:
    return FIXTURE_INVENTORY


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Any]:
    """Build an FtlApp: fixed clock, no watchers, state under tmp (override with kwargs)."""
    from ftltui.tui.app import FtlApp

    def make(sources: list[str] | None = None, **kw: Any) -> Any:
        state = kw.pop("state_dir", tmp_path / "state")
        Path(state).mkdir(parents=True, exist_ok=True)
        kw.setdefault("clock", fixed_clock)
        kw.setdefault("snapshot_mode", True)
        kw.setdefault("watch", False)
        kw.setdefault("keymap_dirs", [Path(state)])
        return FtlApp(sources or [str(FIXTURE_INVENTORY)], Path(state), **kw)

    return make
