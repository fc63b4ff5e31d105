"""~/.cache/ftl-tui is private: the gates' fork-server sockets live there, beside the bundles."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ftltui.ansible_modules import bundle_store
from ftltui.gate.ansible_exec import cache_root


def test_the_controllers_bundle_cache_creates_ftl_tui_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bundle_store.save("k1", b"zip", [], {})
    for d in (tmp_path / "cache" / "ftl-tui", tmp_path / "cache" / "ftl-tui" / "built"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d


def test_a_gate_tightens_a_cache_dir_an_older_controller_left_open(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".cache" / "ftl-tui").mkdir(parents=True, mode=0o755)
    os.chmod(home / ".cache" / "ftl-tui", 0o755)
    monkeypatch.setenv("HOME", str(home))
    import pwd

    monkeypatch.setattr(pwd, "getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))  # use $HOME
    root = cache_root(str(tmp_path / "fallback"))
    assert root == str(home / ".cache" / "ftl-tui")
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
