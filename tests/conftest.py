"""Suite-wide fixtures. Area fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["testbed_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SAMPLE_INVENTORY = REPO / "sample_inventory"

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ.pop("TEXTUAL_THEME", None)


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write the real user's state dir."""
    home = tmp_path_factory.mktemp("ftl-home")
    monkeypatch.setenv("FTL_TUI_HOME", str(home))
    return home


@pytest.fixture
def sample_inventory() -> Path:
    return SAMPLE_INVENTORY


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 512 KiB tmpfs for the full-disk tests (skips unless root)."""
    from diskfill import mounted_small_disk

    yield from mounted_small_disk(tmp_path)
