"""The store when a commit fails (a full disk) or a transaction body raises: memory,
checkpoints and the journal hold only what was committed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ftltui.errors import StateError
from ftltui.state import StateStore
from diskfill import fill, grow

PAD = "z" * 3000


def _insert_until_full(store: StateStore) -> tuple[list[int], StateError]:
    t = store.table("jobs")
    ids = []
    for i in range(500):
        try:
            ids.append(t.insert({"i": i, "pad": PAD}))
        except StateError as exc:
            return ids, exc
    raise AssertionError("the disk never filled")


def test_a_body_that_raises_leaves_nothing_in_memory(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    try:
        a = s.table("jobs").insert({"n": 1})
        with pytest.raises(KeyError):
            with s.transaction() as tx:
                tx.insert("jobs", {"n": 2})
                tx.update("jobs", a, {"n": 10})
                tx.remove("jobs", a)
                tx.update("jobs", 999, {"x": 1})  # no such document
        assert [dict(d) for d in s.table("jobs").all()] == [{"n": 1}]
        b = s.table("jobs").insert({"n": 3})
        assert b == a + 2  # ids handed out are never reused
    finally:
        s.close()
    r = StateStore.open(tmp_path, readonly=True)
    assert sorted(d["n"] for d in r.table("jobs").all()) == [1, 3]


def test_a_failed_commit_is_undone_in_memory_with_everything_queued_behind_it(small_disk: Path) -> None:
    s = StateStore.open(small_disk / "st")
    t = s.table("jobs")
    first = t.insert({"n": 0})
    ids, exc = _insert_until_full(s)
    assert "No space left on device" in str(exc)
    before = {d.doc_id: dict(d) for d in t.all()}
    assert set(before) == {first, *ids}
    # several changes queued without waiting, on top of each other: all fail, all undone
    filler = fill(small_disk)
    tickets = []
    for _ in range(5):
        with s.transaction() as tx:
            tx.update("jobs", first, {"n": tx.insert("jobs", {"pad": PAD})})
            tx.remove("jobs", ids[0])
        tickets.append(tx.ticket)
    for ticket in tickets:
        with pytest.raises(StateError):
            ticket.wait()
    assert {d.doc_id: dict(d) for d in t.all()} == before
    filler.unlink()
    grow(small_disk)
    t.update(first, {"n": "after"})  # space is back: the journal goes on without a gap
    s.close()
    assert s.checkpoint_error is None
    r = StateStore.open(small_disk / "st", readonly=True)
    assert {d.doc_id: dict(d) for d in r.table("jobs").all()} == {**before, first: {"n": "after"}}


def test_a_checkpoint_waits_for_its_changes_and_skips_failed_ones(small_disk: Path) -> None:
    s = StateStore.open(small_disk / "st")
    ids, _ = _insert_until_full(s)
    filler = fill(small_disk)
    s.table("jobs").insert({"doomed": True}, wait=False)  # fails; must not reach state.json
    with pytest.raises(StateError):
        s.checkpoint()
    filler.unlink()
    grow(small_disk)
    s.checkpoint()
    s.close()
    r = StateStore.open(small_disk / "st", readonly=True)
    assert r.replayed == 0 and sorted(d.doc_id for d in r.table("jobs").all()) == ids


def _journal_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ftl-journal"]


def test_close_on_a_full_disk_stops_the_thread_and_releases_the_lock(small_disk: Path) -> None:
    threads_before = _journal_threads()
    s = StateStore.open(small_disk / "st")
    ids, _ = _insert_until_full(s)
    fill(small_disk)
    s.close()  # the final checkpoint cannot be written: not an error, the journal has it all
    assert s.checkpoint_error is not None and "No space left on device" in str(s.checkpoint_error)
    assert _journal_threads() == threads_before
    again = StateStore.open(small_disk / "st")  # the lock was released (flock: even in-process)
    try:
        assert sorted(d.doc_id for d in again.table("jobs").all()) == ids
    finally:
        again.close()


def test_open_that_fails_stops_the_thread_it_started(small_disk: Path) -> None:
    threads_before = _journal_threads()
    fill(small_disk)
    with pytest.raises(StateError):  # a brand-new state needs its first checkpoint
        StateStore.open(small_disk / "st")
    assert _journal_threads() == threads_before
