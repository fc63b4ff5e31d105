"""Snapshot storage: immutable records, content-addressed files, shared text blobs, baselines."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftltui.drift.compare import Selection, pick
from ftltui.drift.model import Resource
from ftltui.drift.store import SnapshotStore, open_store
from ftltui.errors import StateError


def res(text: str) -> list[Resource]:
    return [Resource("file", "/etc/motd", {"sha256": str(hash(text)), "content": text}), Resource("user", "root", {"uid": 0})]


def test_records_content_files_and_blobs(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        a = store.save("h1", res("hello\n"), time=1.0, collector_version="1")
        b = store.save("h2", res("hello\n"), time=2.0, collector_version="1")
        assert a.content_hash == b.content_hash and a.id != b.id
        assert len(list(store.objects.glob("*.json.gz"))) == 1  # same content, one file
        assert len(list(store.blobs.glob("*.gz"))) == 1
        assert b"hello" not in (store.objects / f"{a.content_hash}.json.gz").read_bytes()
    with open_store(tmp_path, readonly=True) as store:  # through the state layer, re-opened
        assert [m.id for m in store.metas()] == [a.id, b.id]
        snap = store.load(a.id)
        assert {r.id: r.fields for r in snap.resources}["/etc/motd"]["content"] == "hello\n"
        with pytest.raises(StateError, match="read-only"):
            store.save("h1", res("x"), time=3.0, collector_version="1")


def test_damaged_content_is_a_state_error_and_missing_blob_only_loses_the_diff(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    a = store.save("h1", res("one\n"), time=1.0, collector_version="1")
    b = store.save("h1", res("two\n"), time=2.0, collector_version="1")
    from ftltui.drift.compare import host_changes

    comp = pick(store, "h1", (), Selection())
    [change] = host_changes(store, comp)
    assert "-one\n+two\n" in change.diff
    for blob in store.blobs.glob("*.gz"):
        blob.unlink()
    [change] = host_changes(SnapshotStore(tmp_path), comp)
    assert change.diff == "" and [f.path for f in change.fields] == ["sha256"]
    (store.objects / f"{b.content_hash}.json.gz").write_bytes(b"garbage")
    with pytest.raises(StateError, match="unreadable"):
        SnapshotStore(tmp_path).load(b.id)
    assert a.id != b.id


def test_baseline_resolution_host_then_group_then_previous(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    s1 = store.save("h1", res("1"), time=1.0, collector_version="1")
    s2 = store.save("h1", res("2"), time=2.0, collector_version="1")
    s3 = store.save("h1", res("3"), time=3.0, collector_version="1")
    assert (pick(store, "h1", ("web",), Selection()).before, pick(store, "h1", ("web",), Selection()).basis) == (s2.id, "previous")
    store.pin("group", "web", s1.id)
    assert pick(store, "h1", ("web",), Selection()).basis == "group-baseline:web"
    store.pin("host", "h1", s2.id)
    comp = pick(store, "h1", ("web",), Selection())
    assert (comp.before, comp.after, comp.basis) == (s2.id, s3.id, "baseline")
    assert pick(store, "h1", (), Selection(since=1.5)).before == s1.id
    with pytest.raises(StateError, match="no snapshot with id"):
        store.pin("host", "h1", "nope")


async def test_drift_scan_job_on_a_shared_state_store(tmp_path: Path, local_inv) -> None:
    """The console's pattern: one StateStore, one queue, the drift_scan kind registered;
    the console's SnapshotStore sees what the job saved, with progress reported."""
    from ftltui.drift import jobs as drift_jobs
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory
    from ftltui.jobs import JobQueue
    from ftltui.jobs.events import JobProgress
    from ftltui.state import StateStore

    inv = load_inventory([str(local_inv(["w1", "w2", "w3"], sections=["users", "files"]))])
    state = StateStore.open(tmp_path / "state")
    ex = Executor(inv)
    console_view = open_store(tmp_path / "state", state=state)
    assert console_view.metas() == []  # cached before the scan
    queue = JobQueue(state, executor=ex)
    drift_jobs.register(queue)
    progress: list[tuple[int, int]] = []
    queue.bus.subscribe(lambda ev: progress.append((ev.done, ev.total)) if isinstance(ev, JobProgress) else None)
    try:
        async with queue:
            hosts = inv.select("all")
            job = await queue.enqueue(drift_jobs.KIND, drift_jobs.scan_spec("all", hosts, None), hosts=[h.name for h in hosts])
            job = await queue.wait(job.id)
    finally:
        await ex.close()
    assert job.state == "succeeded", job.reason
    assert set(job.summary["snapshots"]) == {"w1", "w2", "w3"}
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)
    assert {m.host for m in console_view.metas()} == {"w1", "w2", "w3"}
    assert {m.job_id for m in console_view.metas()} == {str(job.id)}
    state.close()
