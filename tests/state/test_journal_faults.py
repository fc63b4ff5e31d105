"""The journal writer on a full disk: a failed append leaves nothing replay trips over."""

from __future__ import annotations

from pathlib import Path

import pytest

from diskfill import fill
from ftltui.errors import StateError
from ftltui.state.journal import JournalWriter, read_journals

PAD = "y" * 3000


def test_failed_append_is_cut_so_later_records_replay(small_disk: Path) -> None:
    state = small_disk / "state"
    state.mkdir()
    w = JournalWriter(state, 1)
    w.start()
    try:
        w.submit(1, {"s": 1, "pad": PAD}).wait()
        filler = fill(small_disk)
        seq, failed = 2, None
        while failed is None and seq < 100:  # the slack in the file's last page fills first
            try:
                w.submit(seq, {"s": seq, "pad": PAD}).wait()
                seq += 1
            except StateError as exc:
                failed = exc
        assert failed is not None and "No space left on device" in str(failed)
        path = state / "journal.1.jsonl"
        [(_, _, records, end)] = read_journals(state)
        assert end == path.stat().st_size, "the failed record's partial bytes were not cut"
        assert [r["s"] for r in records] == list(range(1, seq))
        filler.unlink()
        w.submit(seq, {"s": seq, "after": True}).wait()  # the same number again: no gap
        [(_, _, records, end)] = read_journals(state)
        assert [r["s"] for r in records] == list(range(1, seq + 1))
        assert records[-1]["after"] is True and end == path.stat().st_size
    finally:
        w.close()


def test_a_failed_rotation_writes_nothing_until_the_new_generation_exists(tmp_path: Path) -> None:
    """Records newer than a checkpoint must never land in a generation it deletes."""
    w = JournalWriter(tmp_path, 1)
    w.start()
    try:
        w.submit(1, {"s": 1}).wait()
        blocker = tmp_path / "journal.2.jsonl"
        blocker.mkdir()  # journal.2 cannot be opened for writing (EISDIR; root ignores modes)
        w.rotate()
        with pytest.raises(StateError):
            w.submit(2, {"s": 2}).wait()
        assert (tmp_path / "journal.1.jsonl").read_bytes().count(b"\n") == 1  # nothing written behind
        blocker.rmdir()
        w.submit(2, {"s": 2}).wait()
        assert [(g, [r["s"] for r in rs]) for g, _, rs, _ in read_journals(tmp_path)] == [(1, [1]), (2, [2])]
    finally:
        w.close()
