"""Disk helpers for the state tests (a module of its own: ``conftest`` names collide)."""

from __future__ import annotations

import errno
import subprocess
from pathlib import Path


def fill(disk: Path) -> Path:
    """Write a filler file until the disk is full; returns it (unlink it to free space)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def grow(disk: Path) -> None:
    """Give the tmpfs room for a checkpoint beside the journal (8 MiB)."""
    subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
