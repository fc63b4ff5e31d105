"""A fetched file is made durable without blocking the event loop (hR s11 #11).

``gate.get`` moved the file's big fsync to a thread, but leaving ``atomic_stream`` ran
``os.fsync`` again and ``fsync_dir`` on the loop for every fetched file, stalling every
other host's I/O for the disk's flush time. Real local gate child (as Ansible modules and
become use it), a real download; ``os.fsync`` is observed (then called) to see which thread
each flush runs on: none on the loop's, and the file and its directory are both flushed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from ftltui.engine.local_gate import LocalBecome


async def test_fetch_fsyncs_run_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(200_000))
    dest = tmp_path / "out" / "dest.bin"
    loop_thread = threading.get_ident()
    calls: list[tuple[bool, bool]] = []  # (on the loop's thread, a directory)
    real_fsync = os.fsync

    def observed(fd: int) -> None:
        import stat

        calls.append((threading.get_ident() == loop_thread, stat.S_ISDIR(os.fstat(fd).st_mode)))
        real_fsync(fd)

    gates = LocalBecome()
    try:
        gate = await gates.gate("localhost", None, "/usr/bin/python3")
        monkeypatch.setattr(os, "fsync", observed)
        res = await gate.get(str(src), str(dest))
        monkeypatch.setattr(os, "fsync", real_fsync)
    finally:
        await gates.close()
    assert dest.read_bytes() == src.read_bytes() and res["size"] == 200_000
    assert (False, False) in calls and (False, True) in calls, calls  # the file, then its directory
    assert not any(on_loop for on_loop, _ in calls), calls
