"""A real daemon owning ``tmp_path/state`` (serving ``localhost,``) and the CLI run against
it from ``tmp_path``: shared by the other-inventory owner tests of this directory."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemonhelp import FTL, serving_daemon


@pytest.fixture(name="owner")
def daemon_owner(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """The fixture ``owner``: import ``daemon_owner`` into a test module to use it."""
    yield from serving_daemon(tmp_path / "state")


def ftl_at(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ftl-tui ARGS --state-dir tmp_path/state`` run in ``tmp_path``; never raises on exit."""
    return subprocess.run([*FTL, *args, "--state-dir", str(tmp_path / "state")], capture_output=True, text=True,
                          timeout=120, check=False, cwd=tmp_path)
