"""A full disk under the state directory (a 512 KiB tmpfs): clear errors, nothing lost.

Root only (mount). The tmpfs is unmounted in a finally (lazily: a store left open by a
failing test must not keep the mount alive).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from diskfill import fill, grow

from ftltui.errors import StateError
from ftltui.jobs import JobQueue
from ftltui.paths import SAMPLE_INVENTORY
from ftltui.state import StateStore

WORKFLOW = "name: tiny\nhosts: localhost\nsteps:\n  - {name: a, module: ping}\n"
BLOB = "x" * 8000  # job spec padding: the disk fills after a few dozen jobs






def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftltui", *argv], capture_output=True, text=True, timeout=60)


def _leftovers(state: Path) -> list[str]:
    return [p.name for p in state.rglob("*") if p.name.endswith((".tmp", ".ftl-part"))]


def test_full_state_disk_cli_gives_one_line_error_and_keeps_finished_jobs(small_disk: Path, tmp_path: Path) -> None:
    state = small_disk / "state"
    wf = tmp_path / "tiny.yml"
    wf.write_text(WORKFLOW)
    play = ("play", str(wf), "--state-dir", str(state), "-i", str(SAMPLE_INVENTORY))
    first = _cli(*play)
    assert first.returncode == 0, first.stderr
    filler = fill(small_disk)
    full = _cli(*play)
    assert full.returncode == 4, (full.stdout, full.stderr)
    assert "Traceback" not in full.stderr and "No space left on device" in full.stderr, full.stderr
    assert len(full.stderr.strip().splitlines()) == 1, full.stderr
    assert _leftovers(state) == []
    filler.unlink()
    listed = _cli("jobs", "list", "--state-dir", str(state))
    assert listed.returncode == 0, listed.stderr
    rows = [ln.split() for ln in listed.stdout.splitlines()[1:] if ln.strip()]  # [0] is the header
    assert [(r[0], r[1]) for r in rows] == [("1", "succeeded")], listed.stdout
    again = _cli(*play)  # space is back: the console works again
    assert again.returncode == 0, again.stderr
    rows = [ln.split() for ln in _cli("jobs", "list", "--state-dir", str(state)).stdout.splitlines()[1:] if ln.strip()]
    assert [(r[0], r[1]) for r in rows] == [("1", "succeeded"), ("2", "succeeded")]


async def _enqueue_until_full(q: JobQueue) -> tuple[dict[int, int], StateError]:
    committed: dict[int, int] = {}
    for i in range(2000):
        try:
            job = await q.enqueue("noop", {"blob": BLOB, "i": i})
        except StateError as exc:  # any other exception fails the test with its traceback
            return committed, exc
        committed[job.id] = i
    raise AssertionError("the disk never filled")


async def test_full_disk_in_process_queue_keeps_every_committed_job(small_disk: Path) -> None:
    state = small_disk / "state"
    store = StateStore.open(state)
    q = JobQueue(store)
    committed, exc = await _enqueue_until_full(q)
    assert committed and "No space left on device" in str(exc), exc
    # still full: later writes fail the same clear way (the failed write's partial bytes
    # were cut off the journal, so fill again what that freed)
    fill(small_disk)
    with pytest.raises(StateError, match="No space left on device"):
        await q.enqueue("noop", {"blob": BLOB, "still": "full"})
    grow(small_disk)
    # what a crash right now (or a second reader) would see: every committed job, whole
    view = StateStore.open(state, readonly=True)
    jobs = {d.doc_id: d for d in view.table("jobs").all()}
    for job_id, i in committed.items():
        assert jobs[job_id]["spec"]["i"] == i and jobs[job_id]["spec"]["blob"] == BLOB
    store.close()
    reopened = StateStore.open(state)
    try:
        jobs = {d.doc_id: d for d in reopened.table("jobs").all()}
        assert set(committed) <= set(jobs)
    finally:
        reopened.close()
    assert _leftovers(state) == []


async def test_a_write_committed_after_space_is_freed_survives_a_crash(small_disk: Path) -> None:
    """Was a bug: the failed write's partial line stayed in the journal, the record
    committed after space was freed sat behind it and replay stopped at the torn line."""
    state = small_disk / "state"
    store = StateStore.open(state)
    q = JobQueue(store)
    await _enqueue_until_full(q)
    grow(small_disk)
    job = await q.enqueue("noop", {"after": True})  # returned: committed (fsync returned)
    try:
        view = StateStore.open(state, readonly=True)  # = the state a crash now would leave
        assert view.table("jobs").get(job.id) is not None
    finally:
        store.close()


async def test_a_failed_write_is_not_in_the_state_after_reopen(small_disk: Path) -> None:
    """Was a bug: a change whose commit failed stayed in memory and the next checkpoint
    wrote it, so a job the operator was told could not be enqueued appeared."""
    state = small_disk / "state"
    store = StateStore.open(state)
    q = JobQueue(store)
    committed, _ = await _enqueue_until_full(q)
    grow(small_disk)
    store.close()
    reopened = StateStore.open(state, readonly=True)
    assert {d.doc_id for d in reopened.table("jobs").all()} == set(committed)
