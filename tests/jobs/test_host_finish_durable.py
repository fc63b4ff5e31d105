"""A host reported finished is durable, whatever the pacing of whole-record saves (issue 17).

Whole-ledger saves are paced (``context.SAVE_SHARE``/``SAVE_MAX_WAIT``) so a 1,000-host
job does not crowd out the console's loop. Before this test, a host's finish waited for
the next paced save while its ``HostFinished`` was already logged and shown: a SIGKILL
between two saves made hosts that had finished read back as ``running`` -> ``lost``, and
an idempotent module ran on them again at recovery. Now each finish is journaled as one
small record (``JobContext.host_done``) and reported only once durable.

The owner is a real child process with pacing stretched to 600 s (so an unpaced host
record is the only way a finish can be durable); it is SIGKILLed once the job's log (what
clients read) shows every fast host finished while one host still runs. Recovery then
runs a command that appends to a file: every host ran it exactly once, and the one that
was interrupted is re-run only when the command is idempotent (``creates:``).
"""

from __future__ import annotations

import json
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

FAST = ("l1", "l2", "l3", "l4", "l5")
CHILD = owner_child('context.SAVE_SHARE, context.SAVE_MAX_WAIT = 1e-9, 600.0')  # a paced save never comes again


def _reported(log: Path) -> set[str]:
    """Hosts whose HostFinished reached the job's log (what ``jobs logs`` and clients see)."""
    try:
        lines = log.read_text().splitlines()
    except FileNotFoundError:
        return set()
    out = set()
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a line being written
        if rec.get("event") == "HostFinished":
            out.add(rec["host"])
    return out


def _ledger(doc: dict, workflow: bool) -> dict:
    if workflow:
        return ((doc.get("steps") or {}).get("append") or {}).get("per_host") or {}
    return doc.get("per_host") or {}


@pytest.mark.parametrize(("workflow", "idempotent"), [(False, False), (False, True), (True, True)],
                         ids=["run-command", "run-creates", "workflow-creates"])
async def test_killed_between_paced_saves_every_host_runs_once(tmp_path: Path, workflow: bool,
                                                               idempotent: bool) -> None:
    out, pid, go = tmp_path / "out", tmp_path / "pid", tmp_path / "go"
    inv = inventory_with_unreachable(tmp_path / "inv.yml", local=("l0", *FAST), far=())
    host = "{{ inventory_hostname }}"
    cmd = (f"if [ {host} = l0 ] && [ ! -e {go} ]; then echo $$ > {pid}; exec sleep 30; fi; "
           f"echo {host} >> {out}")
    args = {"cmd": cmd, **({"creates": str(tmp_path / "never")} if idempotent else {})}
    state, wf = tmp_path / "state", ""
    if workflow:
        wf = str(tmp_path / "wf.yml")
        Path(wf).write_text(json.dumps({"name": "w", "hosts": "all", "steps": [
            {"name": "append", "module": "shell", "args": args},
            {"name": "after", "module": "ping", "depends_on": ["append"]}]}))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(state), str(inv), json.dumps(args), wf],
                             env={**os.environ, "PYTHONPATH": str(REPO_DIR)})
    log = state / "logs" / "1.jsonl"
    try:
        deadline = time.monotonic() + 60  # a guard against a child that never gets there
        while not (pid.exists() and _reported(log) >= set(FAST)):
            assert child.poll() is None and time.monotonic() < deadline, "the child never reported the fast hosts"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # l0 still runs; no paced save came after the first
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if pid.exists():
            try:
                os.kill(int(pid.read_text()), signal.SIGKILL)  # the sleep outlives its controller
            except (OSError, ValueError):
                pass
    before = StateStore.open(state, readonly=True).table("jobs").get(1) or {}
    ledger = _ledger(before, workflow)
    # every host a client was told finished is durable, with its result
    assert {h: ledger.get(h, {}).get("state") for h in FAST} == {h: "done" for h in FAST}
    assert ledger["l0"]["state"] == "running"

    go.touch()
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    await q.drain()
    job = q.get(1)
    await q.stop()
    await q.executor.close()
    q.store.close()
    assert job is not None
    lines = out.read_text().split()
    assert {h: lines.count(h) for h in FAST} == {h: 1 for h in FAST}  # finished: never run again
    per_host = _ledger({"per_host": job.per_host, "steps": job.steps}, workflow)
    assert [a["attempt"] for h in FAST for a in per_host[h]["attempts"]] == [1] * len(FAST)
    assert per_host["l0"]["attempts"][0]["error_kind"] == "lost"
    if idempotent:  # the interrupted host had not appended yet: re-run, so it too ran once
        assert lines.count("l0") == 1 and job.state == "succeeded"
    else:  # the command may have run there: held, never guessed
        assert lines.count("l0") == 0 and job.state == "failed" and HELD_MSG in job.reason
