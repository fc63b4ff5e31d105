"""Suite-wide fixtures. Area fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["testbed_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SAMPLE_INVENTORY = REPO / "sample_inventory"

TESTS = Path(__file__).resolve().parent

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ.pop("TEXTUAL_THEME", None)


_LONG_FILES = ("test_runner_", "test_play_oracle", "test_output_text", "test_jinja_oracle", "test_loader_errors",
               "test_loader_listing", "test_pilot_flow", "test_pilot_jobs")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the groups into node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``, as scripts/test runs it) the tests of one
    file stay on one worker, so module fixtures are built once. Tests that use sudo on the
    bed form one group: they share machine-wide accounts (a wrong password counts against
    them), sudoers and the become users' gate caches, which some of them empty."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    # The longest files first (each runs ansible-playbook many times): started last, one
    # of them would keep a worker busy for minutes after the other has finished.
    items.sort(key=lambda item: not any(Path(str(item.path)).name.startswith(p) for p in _LONG_FILES))
    for item in items:
        rel = Path(str(item.path)).resolve().relative_to(TESTS)
        group = "become" if rel.parts[0] == "become" or "become" in rel.name else rel.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


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
