"""The controller's streamed writes of a fetched file go through state.storage.atomic_stream:
a read that fails half-way leaves the old dest whole and no temporary file beside it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ftltui.engine.local import LocalRunner
from ftltui.inventory.model import Host
from ftltui.state.storage import atomic_stream

# reading /proc/self/mem at offset 0 fails with EIO after open() succeeded: a real read error
UNREADABLE = "/proc/self/mem"


async def test_a_failed_read_leaves_the_old_dest_and_no_temporary_file(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "fetched"
    dest.parent.mkdir()
    dest.write_text("old")
    runner = LocalRunner(max_workers=1)
    try:
        with pytest.raises(OSError):
            await runner.get_file(Host("l1"), UNREADABLE, str(dest))
    finally:
        await runner.close()
    assert dest.read_text() == "old"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["fetched"]


async def test_a_local_copy_is_whole_with_the_sources_mode(tmp_path: Path) -> None:
    src = tmp_path / "src.sh"
    src.write_bytes(os.urandom(3 << 20))
    src.chmod(0o751)
    dest = tmp_path / "out" / "copy"
    runner = LocalRunner(max_workers=1)
    try:
        got = await runner.get_file(Host("l1"), str(src), str(dest))
    finally:
        await runner.close()
    assert dest.read_bytes() == src.read_bytes() and got["size"] == 3 << 20
    assert stat.S_IMODE(dest.stat().st_mode) == 0o751
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy"]


def test_atomic_stream_modes_and_failure(tmp_path: Path) -> None:
    path = tmp_path / "f"
    with atomic_stream(path) as out:
        out.write(b"a" * 100)
    assert path.read_bytes() == b"a" * 100 and stat.S_IMODE(path.stat().st_mode) == 0o600
    old_umask = os.umask(0o022)
    try:
        with atomic_stream(path, mode=None, durable=False) as out:
            out.write(b"b")
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == b"b" and stat.S_IMODE(path.stat().st_mode) == 0o644
    with pytest.raises(RuntimeError), atomic_stream(path) as out:
        out.write(b"half")
        raise RuntimeError("the source went away")
    assert path.read_bytes() == b"b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
