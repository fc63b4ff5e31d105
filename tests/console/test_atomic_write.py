"""The controller's one atomic write (ftltui.state.storage.atomic_write)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ftltui.errors import StateError
from ftltui.state.storage import atomic_write


@pytest.mark.parametrize("durable", [True, False])
def test_replaces_whole_and_private(tmp_path: Path, durable: bool) -> None:
    path = tmp_path / "f"
    path.write_text("old")
    atomic_write(path, b"new" * 100_000, durable=durable)
    assert path.read_bytes() == b"new" * 100_000
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_a_failed_write_says_where_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # os.replace cannot put a file over a directory
    with pytest.raises(StateError) as exc:
        atomic_write(target, b"x")
    assert "cannot write taken" in str(exc.value) and str(tmp_path) in str(exc.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    with pytest.raises(StateError, match="cannot write f"):
        atomic_write(tmp_path / "missing" / "f", b"x")


def test_the_console_settings_go_through_it(tmp_path: Path) -> None:
    from ftltui.tui.commands import History
    from ftltui.tui.themes import save_theme, saved_theme

    save_theme(tmp_path, "ftl-light")
    assert saved_theme(tmp_path) == "ftl-light"
    history = History(tmp_path / "command_history")
    history.add("run all ping")
    assert History(tmp_path / "command_history").items == ["run all ping"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["command_history", "theme"]
