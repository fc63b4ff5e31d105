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
import signal
import time
from pathlib import Path

import pytest

from ftltui.jobs.retry import HELD_MSG
from ftltui.state import StateStore

from jobs_helpers import inventory_with_unreachable, ledger, owner_child, reap_owner, recover, start_owner

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
    state = tmp_path / "state"
    child = start_owner(CHILD, state, inv, args, tmp_path / "wf.yml" if workflow else None)
    log = state / "logs" / "1.jsonl"
    try:
        deadline = time.monotonic() + 60  # a guard against a child that never gets there
        while not (pid.exists() and _reported(log) >= set(FAST)):
            assert child.poll() is None and time.monotonic() < deadline, "the child never reported the fast hosts"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # l0 still runs; no paced save came after the first
        child.wait()
    finally:
        reap_owner(child, pid)  # the sleep outlives its controller
    before = StateStore.open(state, readonly=True).table("jobs").get(1) or {}
    recorded = ledger(before, workflow)
    # every host a client was told finished is durable, with its result
    assert {h: recorded.get(h, {}).get("state") for h in FAST} == {h: "done" for h in FAST}
    assert recorded["l0"]["state"] == "running"

    go.touch()
    job = await recover(state, inv)
    lines = out.read_text().split()
    assert {h: lines.count(h) for h in FAST} == {h: 1 for h in FAST}  # finished: never run again
    per_host = ledger({"per_host": job.per_host, "steps": job.steps}, workflow)
    assert [a["attempt"] for h in FAST for a in per_host[h]["attempts"]] == [1] * len(FAST)
    assert per_host["l0"]["attempts"][0]["error_kind"] == "lost"
    if idempotent:  # the interrupted host had not appended yet: re-run, so it too ran once
        assert lines.count("l0") == 1 and job.state == "succeeded"
    else:  # the command may have run there: held, never guessed
        assert lines.count("l0") == 0 and job.state == "failed" and HELD_MSG in job.reason
