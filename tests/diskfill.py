"""A tiny tmpfs to fill up, for the full-disk tests (root only).

One helper for tests/state, tests/jobs and tests/hardening; the ``small_disk`` fixture
that uses it is in tests/conftest.py.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def mounted_small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs, unmounted lazily afterwards (a store left open must not pin it)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


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
