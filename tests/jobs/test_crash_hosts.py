"""SIGKILL the controller in the middle of a run job: per-host results were saved as
hosts finished, so recovery never runs the module again on a host that finished, and
reruns an interrupted host only when the module is idempotent (issue 12, defect 1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.retry import HELD_MSG
from ftltui.paths import REPO_DIR
from ftltui.state import StateStore

from jobs_helpers import inventory_with_unreachable, owner_child

CHILD = owner_child()


def _ledger(doc: dict, workflow: bool) -> dict:
    return ((doc.get("steps") or {}).get("append") or {}).get("per_host") or {} if workflow else doc.get("per_host") or {}


@pytest.mark.parametrize("workflow", [False, True], ids=["run", "workflow"])
@pytest.mark.parametrize("idempotent", [False, True])
async def test_recovery_skips_hosts_that_finished(tmp_path: Path, idempotent: bool, workflow: bool) -> None:
    import json

    out, pid, go = tmp_path / "out", tmp_path / "pid", tmp_path / "go"
    inv = inventory_with_unreachable(tmp_path / "inv.yml", far=())
    cmd = (f"echo {{{{ inventory_hostname }}}} >> {out}; "
           f"if [ {{{{ inventory_hostname }}}} = l2 ] && [ ! -e {go} ]; then echo $$ > {pid}; exec sleep 30; fi")
    args = {"cmd": cmd, **({"creates": str(tmp_path / "never")} if idempotent else {})}
    state, wf = tmp_path / "state", ""
    if workflow:  # the same command as a workflow step, then a step after it
        wf = str(tmp_path / "wf.yml")
        Path(wf).write_text(json.dumps({"name": "w", "hosts": "all", "steps": [
            {"name": "append", "module": "shell", "args": args},
            {"name": "after", "module": "ping", "depends_on": ["append"]}]}))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(state), str(inv), json.dumps(args), wf],
                             env={**os.environ, "PYTHONPATH": str(REPO_DIR)})
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
            per_host = _ledger(doc, workflow)
            if per_host.get("l1", {}).get("state") == "done" and per_host.get("l2", {}).get("state") == "running":
                break
        else:
            raise AssertionError("the child never recorded l1 as done")
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if pid.exists():
            try:
                os.kill(int(pid.read_text()), signal.SIGKILL)  # outlives its controller (defect 4)
            except (OSError, ValueError):
                pass
    go.touch()
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    await q.drain()
    job = q.get(1)
    await q.stop()
    await q.executor.close()
    q.store.close()
    lines = out.read_text().split()
    assert lines.count("l1") == 1  # finished before the crash: never run again
    per_host = _ledger({"per_host": job.per_host, "steps": job.steps}, workflow)
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
