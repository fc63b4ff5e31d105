"""SIGKILL the controller in the middle of a run job: per-host results were saved as
hosts finished, so recovery never runs the module again on a host that finished, and
reruns an interrupted host only when the module is idempotent (issue 12, defect 1)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from ftltui.jobs.retry import HELD_MSG
from ftltui.state import StateStore

from jobs_helpers import inventory_with_unreachable, ledger, owner_child, reap_owner, recover, start_owner

CHILD = owner_child()


@pytest.mark.parametrize("workflow", [False, True], ids=["run", "workflow"])
@pytest.mark.parametrize("idempotent", [False, True])
async def test_recovery_skips_hosts_that_finished(tmp_path: Path, idempotent: bool, workflow: bool) -> None:
    out, pid, go = tmp_path / "out", tmp_path / "pid", tmp_path / "go"
    inv = inventory_with_unreachable(tmp_path / "inv.yml", far=())
    cmd = (f"echo {{{{ inventory_hostname }}}} >> {out}; "
           f"if [ {{{{ inventory_hostname }}}} = l2 ] && [ ! -e {go} ]; then echo $$ > {pid}; exec sleep 30; fi")
    args = {"cmd": cmd, **({"creates": str(tmp_path / "never")} if idempotent else {})}
    state = tmp_path / "state"
    # with ``workflow``: the same command as a workflow step, then a step after it
    child = start_owner(CHILD, state, inv, args, tmp_path / "wf.yml" if workflow else None)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until l1's result is durable and l2 is running
            time.sleep(0.05)
            if not pid.exists():
                continue
            try:
                doc = StateStore.open(state, readonly=True).table("jobs").get(1) or {}
            except Exception:
                continue
            per_host = ledger(doc, workflow)
            if per_host.get("l1", {}).get("state") == "done" and per_host.get("l2", {}).get("state") == "running":
                break
        else:
            raise AssertionError("the child never recorded l1 as done")
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        reap_owner(child, pid)  # the sleep outlives its controller (defect 4)
    go.touch()
    job = await recover(state, inv)
    lines = out.read_text().split()
    assert lines.count("l1") == 1  # finished before the crash: never run again
    per_host = ledger({"per_host": job.per_host, "steps": job.steps}, workflow)
    l2 = per_host["l2"]["attempts"]
    assert l2[0]["error_kind"] == "lost"
    if idempotent:
        assert lines.count("l2") == 2 and job.state == "succeeded" and [a["attempt"] for a in l2] == [1, 2]
    else:
        assert lines.count("l2") == 1 and job.state == "failed" and HELD_MSG in job.reason
    assert [a["attempt"] for a in per_host["l1"]["attempts"]] == [1]
    if workflow:
        assert job.steps["after"]["state"] == ("succeeded" if idempotent else "upstream_failed")
        assert not [n for n, st in job.steps.items() if st["state"] in ("running", "queued", "retry_wait")]
