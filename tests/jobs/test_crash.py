"""SIGKILL a process running a workflow job at random moments; nothing committed is lost.

The child prints every transition after its fsync returned. After the kill the state
must open, hold every printed transition, and recovery must close the interrupted
job's attempt as ``lost`` and then retry it to the end (or dead-letter it).
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import TERMINAL, JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.paths import SAMPLE_INVENTORY
from ftltui.state import StateStore

HERE = Path(__file__).parent
TRIALS = 20

WORKFLOW = textwrap.dedent("""
    name: crashy
    hosts: localhost
    steps:
      - {name: a, module: command, args: "sleep 0.05"}
      - {name: b1, module: command, args: "sleep 0.05", depends_on: [a]}
      - {name: b2, module: command, args: "sleep 0.05", depends_on: [a]}
      - {name: c, module: command, args: "sleep 0.05", depends_on: [b1, b2]}
      - {name: d, module: command, args: "sleep 0.05", depends_on: [c]}
""")


def _run_child(state: Path, wf: Path, kill_after: float) -> list[str]:
    proc = subprocess.Popen([sys.executable, str(HERE.parent / "crash_child.py"), str(state), str(SAMPLE_INVENTORY), str(wf)],
                            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent.parent), str(HERE)])})
    lines: list[str] = []
    buf = b""
    deadline = None
    while True:
        timeout = 0.02 if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            *complete, buf = buf.split(b"\n")
            lines += [c.decode() for c in complete]
            if deadline is None and any(line.startswith("T ") for line in lines):
                deadline = time.monotonic() + kill_after  # kill relative to the first commit
        if deadline is not None and time.monotonic() >= deadline:
            break
    proc.send_signal(signal.SIGKILL)
    # whatever reached the pipe before the kill was committed before it was written
    rest = proc.stdout.read()
    proc.wait()
    lines += [c.decode() for c in (buf + rest).split(b"\n") if c]
    return lines


async def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("FTL_CRASH_SEED", "4")))
    wf = tmp_path / "crashy.yml"
    wf.write_text(WORKFLOW)
    inv = load_inventory([str(SAMPLE_INVENTORY)])
    outcomes = []
    for trial in range(TRIALS):
        state = tmp_path / f"state{trial}"
        lines = _run_child(state, wf, rng.uniform(0.0, 0.6))
        store = StateStore.open(state)  # opens after a kill -9, takes the lock
        jobs = store.table("jobs")
        for line in lines:
            if line.startswith("T "):
                _, tid, st = line.split()
                job_id, idx = map(int, tid.split(":"))
                history = jobs.get(job_id)["history"]
                assert len(history) > idx and history[idx][0] == st, (trial, line, history)
            elif line.startswith("S "):
                _, job_id, step, st = line.split()
                states = [h[0] for h in jobs.get(int(job_id))["steps"][step]["history"]]
                assert st in states, (trial, line, states)
        was = jobs.get(1)["state"]
        ex = Executor(inv)
        q = JobQueue(store, executor=ex, heartbeat=0.05)
        register_builtin(q)
        lost = []
        q.bus.subscribe(lambda e: lost.append(e.job_id) if e.type == "JobLost" else None)
        await q.start()
        await q.drain()
        job = q.get(1)
        await q.stop()
        await ex.close()
        store.close()
        assert job.state in TERMINAL
        if was in ("running", "cancelling"):
            assert lost == [1]
            reopened = StateStore.open(state, readonly=True)
            outs = [a["outcome"] for a in sorted(reopened.table("attempts").all(), key=lambda a: a["number"])]
            assert outs[0] == "lost", outs
            # a step interrupted mid-run ran `command` (not idempotent): it is not run again
            # and says why; steps that had not started run on the retry
            assert job.state in ("succeeded", "dead", "failed"), job.history
            if job.state == "failed":
                assert "may have run" in job.reason, job.reason
                assert not [s for s in job.steps.values() if s["state"] in ("running", "queued", "retry_wait")]
        outcomes.append((was, job.state, "DONE" in lines))
    print(outcomes)
    # the random kills must actually have interrupted runs, not only finished ones
    assert any(w == "running" for w, _, _ in outcomes), outcomes
