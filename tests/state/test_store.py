"""The state store: durability across reopen, torn journals, locking, modes, redaction."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from tinydb import Query, TinyDB

from ftltui.errors import StateError
from ftltui.state import StateStore
from ftltui.state import store as store_mod


def test_insert_update_remove_survive_reopen(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    t = s.table("snapshots")
    a = t.insert({"host": "web1", "n": 1})
    b = t.insert({"host": "web2", "n": 2})
    t.update(a, {"n": 10})
    t.remove(b)
    s.close()
    s = StateStore.open(tmp_path, readonly=True)
    t = s.table("snapshots")
    assert t.get(a) == {"host": "web1", "n": 10}
    assert t.get(a).doc_id == a
    assert t.get(b) is None
    assert [d.doc_id for d in t.search(Query().host == "web1")] == [a]
    # the checkpoint is a plain TinyDB database
    assert TinyDB(tmp_path / "state.json").table("snapshots").get(doc_id=a)["n"] == 10


def test_ids_never_reused_after_remove(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    t = s.table("jobs")
    ids = [t.insert({"k": i}) for i in range(3)]
    for i in ids:
        t.remove(i)
    s.close()
    s = StateStore.open(tmp_path)
    assert s.table("jobs").insert({"k": 9}) == ids[-1] + 1
    s.close()


def test_journal_replayed_without_clean_close(tmp_path: Path) -> None:
    """A writer that dies (no close, no checkpoint) loses nothing it committed."""
    code = textwrap.dedent(
        f"""
        import os
        from ftltui.state import StateStore
        s = StateStore.open({str(tmp_path)!r})
        t = s.table("jobs")
        for i in range(50):
            t.insert({{"i": i}})
        t.update(1, {{"state": "done"}})
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    s = StateStore.open(tmp_path)
    assert s.replayed == 51
    assert len(s.table("jobs")) == 50
    assert s.table("jobs").get(1)["state"] == "done"
    s.close()


def test_torn_journal_tail_is_ignored_and_cut(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    s.table("jobs").insert({"x": 1})
    s.flush()
    journal = max(tmp_path.glob("journal.*.jsonl"), key=lambda p: int(p.name.split(".")[1]))
    s._writer.close()  # simulate a death: no checkpoint
    s._release_lock()
    good = journal.read_bytes()
    journal.write_bytes(good + b'0badc0de {"s": 2, "ops": [["i","jobs",2,{"x"')
    s = StateStore.open(tmp_path)
    assert s.table("jobs").all() == [{"x": 1}]
    s.table("jobs").insert({"x": 2})
    s.close()
    s = StateStore.open(tmp_path, readonly=True)
    assert sorted(d["x"] for d in s.table("jobs").all()) == [1, 2]


def test_second_writer_refused_reader_allowed(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    s.table("jobs").insert({"a": 1})
    code = f"""
import sys
from ftltui.state import StateStore
from ftltui.errors import StateError
try:
    StateStore.open({str(tmp_path)!r})
except StateError as e:
    print("refused", e)
r = StateStore.open({str(tmp_path)!r}, readonly=True)
print("rows", len(r.table("jobs")), r.lock_holder)
try:
    r.table("jobs").insert({{"b": 2}})
except StateError as e:
    print("ro", e)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "refused" in out and f"pid {os.getpid()}" in out
    assert "rows 1" in out
    assert "ro " in out and "read-only" in out
    s.close()


def test_wait_for_lock(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    with pytest.raises(StateError):
        StateStore.open(tmp_path, wait=0.1)
    s.close()
    StateStore.open(tmp_path, wait=0.1).close()


def test_modes_and_redaction(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path / "st")
    s.redactor.add(["hunter2"])
    s.table("jobs").insert({"args": {"password": "hunter2", "cmd": "echo hunter2"}})
    s.close()
    root = tmp_path / "st"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for p in root.rglob("*"):
        want = 0o700 if p.is_dir() else 0o600
        assert stat.S_IMODE(p.stat().st_mode) == want, p
        if p.is_file():
            assert b"hunter2" not in p.read_bytes()


def test_migration_hook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = StateStore.open(tmp_path)
    s.table("jobs").insert({"old": 1})
    s.close()
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)

    def v1_to_v2(data):
        for doc in data.get("jobs", {}).values():
            doc["new"] = doc.pop("old")
        return data

    monkeypatch.setitem(store_mod.MIGRATIONS, 1, v1_to_v2)
    s = StateStore.open(tmp_path)
    assert s.table("jobs").get(1) == {"new": 1}
    s.close()
    assert '"schema":2' in (tmp_path / "state.json").read_text()


def test_background_checkpoint_keeps_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "CHECKPOINT_EVERY", 50)
    s = StateStore.open(tmp_path)
    t = s.table("jobs")
    for i in range(500):
        t.insert({"i": i}, wait=False)
        if i % 7 == 0:
            r = StateStore.open(tmp_path, readonly=True)  # readers race checkpoints safely
            assert len(r.table("jobs")) <= i + 1
    s.flush()
    while s._checkpointing:  # a real death would stop that thread too
        time.sleep(0.01)
    s._writer.close()  # die without a final checkpoint
    s._release_lock()
    s = StateStore.open(tmp_path)
    assert sorted(d["i"] for d in s.table("jobs").all()) == list(range(500))
    s.close()


def test_two_writers_wait_in_turn_never_corrupt(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from ftltui.state import StateStore
        tag = sys.argv[1]
        for round in range(3):
            s = StateStore.open({str(tmp_path)!r}, wait=30)
            t = s.table("jobs")
            for i in range(100):
                t.insert({{"tag": tag, "round": round, "i": i}}, wait=(i % 10 == 0))
            s.close()
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, tag]) for tag in ("a", "b")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    s = StateStore.open(tmp_path, readonly=True)
    docs = s.table("jobs").all()
    assert len(docs) == 600 and len({d.doc_id for d in docs}) == 600
    for tag in "ab":
        assert sorted((d["round"], d["i"]) for d in docs if d["tag"] == tag) == [
            (r, i) for r in range(3) for i in range(100)]


def test_lock_held_briefly_by_a_dead_writers_child_is_waited_for(tmp_path: Path) -> None:
    """A writer killed while forking a command: the child keeps the lock's file
    description until its exec; the next open waits for it instead of refusing."""
    code = textwrap.dedent(
        f"""
        import os, sys, time
        from ftltui.state import StateStore
        s = StateStore.open({str(tmp_path)!r})
        s.table("jobs").insert({{"a": 1}})
        if os.fork() == 0:  # the child: holds the inherited lock fd for a while
            os.close(1); os.close(2)  # (not the test's pipes: those would make it wait)
            time.sleep(1.5)
            os._exit(0)
        print("forked", flush=True)
        os._exit(0)  # the writer dies at once
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "forked" in out
    fd = os.open(tmp_path / "lock", os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):  # the writer is gone, its child still holds the lock...
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    s = StateStore.open(tmp_path)  # ...and the open waits it out instead of refusing
    assert s.table("jobs").get(1) == {"a": 1}
    s.close()
