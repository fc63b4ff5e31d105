"""An attached console's first host states come from each host's own last result (hR s11 finding 7).

A job's ``updated`` is the time of its last state change, which can come long after a host's
result: job A failed h1 at t=1 and ended at t=100 after other hosts; job B ran h1 at t=50 and
ended at t=60. h1 last ran in B, so it reads B's status; and while a live job runs h1 now, h1
reads running, whatever finished later. Real ``HostLedger`` records, as the queue stores them.
"""

from __future__ import annotations

from typing import Any

from ftltui.console.remote_session import latest_host_states
from ftltui.engine.events import HostResult
from ftltui.jobs.model import Job
from ftltui.jobs.retry import HostLedger


def ledger(results: dict[str, tuple[str, float]], running: tuple[str, ...] = ()) -> dict[str, Any]:
    """A run job's ``per_host`` with one attempt per host, ended at the given time."""
    book = HostLedger(None, is_idempotent=True)
    for host, (status, _ended) in results.items():
        book.start([host], 1)
        book.record(1, HostResult(host, status, {}, 0.1))  # type: ignore[arg-type]
    doc = book.doc()
    for host, (_status, ended) in results.items():
        doc[host]["attempts"][-1]["ended"] = ended
    if running:
        book = HostLedger(doc, is_idempotent=True)
        book.start(list(running), 2)
        doc = book.doc()
    return doc


def states(*jobs: Job) -> dict[str, tuple[int, str]]:
    return {host: (job_id, status) for job_id, host, status in latest_host_states(jobs)}


def test_a_host_reads_the_job_that_ran_it_last_not_the_job_that_ended_last() -> None:
    a = Job(1, "run", {}, state="failed", updated=100.0, per_host=ledger({"h1": ("failed", 1.0), "h2": ("ok", 99.0)}))
    b = Job(2, "run", {}, state="succeeded", updated=60.0, per_host=ledger({"h1": ("ok", 50.0)}))
    assert states(a, b) == {"h1": (2, "ok"), "h2": (1, "ok")}
    assert states(b, a) == {"h1": (2, "ok"), "h2": (1, "ok")}  # the order jobs come in does not matter


def test_a_host_a_live_job_runs_now_reads_running() -> None:
    a = Job(1, "run", {}, state="running", updated=5.0, per_host=ledger({"h2": ("ok", 4.0)}, running=("h1",)))
    b = Job(2, "run", {}, state="failed", updated=60.0, per_host=ledger({"h1": ("failed", 50.0)}))
    assert states(a, b) == {"h1": (1, "running"), "h2": (1, "ok")}
