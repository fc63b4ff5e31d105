"""``Transaction.set_in``: a value set deep inside a document, journaled as its own small
record (issue 17: one host's result in a 1,000-host ledger without re-encoding the ledger)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from ftltui.state import StateStore
from ftltui.state.journal import read_journals


def test_set_in_is_small_copy_on_write_and_replayed(tmp_path: Path) -> None:
    s = StateStore.open(tmp_path)
    t = s.table("jobs")
    big = {f"h{i}": {"state": "running", "attempts": []} for i in range(500)}
    job = t.insert({"per_host": big, "steps": {}})
    held = t.get(job)  # a reader's copy, and what a checkpoint's shallow snapshot shares
    assert held is not None
    with s.transaction() as tx:
        tx.set_in("jobs", job, [(["per_host", "h7"], {"state": "done", "attempts": [{"status": "ok"}]}),
                                (["steps", "a", "results", "h7"], {"status": "ok"})])
    tx.ticket.wait()
    assert held["per_host"]["h7"]["state"] == "running"  # nothing changed in place
    assert t.get(job)["per_host"]["h7"]["state"] == "done"
    assert t.get(job)["steps"] == {"a": {"results": {"h7": {"status": "ok"}}}}
    records = [r for _, _, recs, _ in read_journals(tmp_path) for r in recs]
    assert len(str(records[-1])) < 300  # the one host, not the 500-host ledger
    # a crash before any checkpoint: the next open replays the record
    code = textwrap.dedent(f"""
        import os
        from ftltui.state import StateStore
        s = StateStore.open({str(tmp_path)!r})
        with s.transaction() as tx:
            tx.set_in("jobs", {job}, [(["per_host", "h8"], {{"state": "done", "attempts": []}})])
        tx.ticket.wait()
        os._exit(0)  # no close, no checkpoint
    """)
    s.close()
    subprocess.run([sys.executable, "-c", code], check=True)
    s = StateStore.open(tmp_path, readonly=True)
    doc = s.table("jobs").get(job)
    assert doc is not None and s.replayed == 1
    assert (doc["per_host"]["h7"]["state"], doc["per_host"]["h8"]["state"], doc["per_host"]["h9"]["state"]) == \
        ("done", "done", "running")
