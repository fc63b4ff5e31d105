"""The controller SIGKILLed while a workflow runs on real SSH hosts.

``tests/jobs/test_crash.py`` kills a local-host workflow at 20 random moments and checks
every committed transition. This adds what it does not cover: remote hosts busy in a
step when the controller dies. After a restart the job is recovered as ``lost`` and
retried; the finished step keeps its per-host results and is not run again; the
remote side of the dead controller (gates, module processes) goes away by itself.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from faults_helpers import host_entry, pids_mentioning, write_inventory
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.state import StateStore

pytestmark = pytest.mark.ssh
HERE = Path(__file__).parent
HOSTS = ["h01", "h02", "h03"]


def _workflow(shared: str) -> str:
    a = f"echo a >> {shared}/a.{{{{ inventory_hostname }}}}"
    b = f"echo started; test -e {shared}/go || sleep 60; echo b-done"
    return json.dumps({"name": "sshcrash", "hosts": ",".join(HOSTS), "steps": [
        {"name": "a", "module": "command", "args": {"argv": ["sh", "-c", a]}},
        # creates= makes b safe to repeat: recovery reruns an interrupted step only then
        {"name": "b", "module": "command", "args": {"argv": ["sh", "-c", b], "creates": f"{shared}/never"},
         "depends_on": ["a"]},
    ]})


def _run_until(argv: list[str], marker: str, then: float, timeout: float = 60) -> list[str]:
    """Start the child, SIGKILL it ``then`` seconds after ``marker`` was printed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent.parent), str(HERE)])}
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, env=env)
    lines: list[str] = []
    buf = b""
    deadline = time.monotonic() + timeout
    kill_at = None
    try:
        while time.monotonic() < (kill_at or deadline):
            ready, _, _ = select.select([proc.stdout], [], [], 0.05)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)  # type: ignore[union-attr]
                if not chunk:
                    break
                buf += chunk
                *done, buf = buf.split(b"\n")
                lines += [d.decode() for d in done]
                if kill_at is None and marker in lines:
                    kill_at = time.monotonic() + then
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert kill_at is not None, f"the child never printed {marker!r}: {lines}"
    return lines


def _wait_gone(bed, names: list[str], shared: str, seconds: float) -> dict[str, list[int]]:
    """Gate processes per host, and (key ``step``) processes still running step b."""
    end = time.monotonic() + seconds
    while True:
        left = {n: bed.gate_pids(n) for n in names}
        left["step"] = pids_mentioning(shared)
        if not any(left.values()) or time.monotonic() > end:
            return left
        time.sleep(0.1)


async def test_sigkill_mid_workflow_on_ssh_hosts_then_recover(sshbed, tmp_path: Path) -> None:
    shared = tempfile.mkdtemp(prefix="ftl-faults-crash-")  # written by the bed's login user
    os.chmod(shared, 0o777)
    try:
        inv = write_inventory(tmp_path / "inv.json", {n: host_entry(sshbed, n) for n in HOSTS})
        wf = tmp_path / "sshcrash.yml"
        wf.write_text(_workflow(shared))
        state = tmp_path / "state"
        lines = _run_until([str(HERE.parent / "crash_child.py"), str(state), str(inv), str(wf)],
                           "S 1 b running", then=1.0)
        assert "S 1 a succeeded" in lines and "DONE" not in lines, lines

        # the dead controller's remote side exits by itself: sshd closes the sessions, each
        # gate sees EOF, cancels its modules and waits for them to stop their processes
        left = _wait_gone(sshbed, HOSTS, shared, 15)
        for pid in left["step"]:  # do not leave orphans behind for later tests, even on failure
            os.kill(pid, signal.SIGKILL)
        assert left == {**{n: [] for n in HOSTS}, "step": []}

        store = StateStore.open(state)  # opens after a kill -9 and takes the lock
        job = store.table("jobs").get(1)
        assert job["state"] == "running", job["state"]
        a = job["steps"]["a"]
        assert a["state"] == "succeeded" and sorted(a["results"]) == HOSTS, a
        assert job["steps"]["b"]["state"] == "running"

        Path(shared, "go").touch()  # the retried step b finishes at once
        ex = Executor(load_inventory([str(inv)]))
        q = JobQueue(store, executor=ex, heartbeat=0.05)
        register_builtin(q)
        lost: list[int] = []
        q.bus.subscribe(lambda e: lost.append(e.job_id) if e.type == "JobLost" else None)
        try:
            await q.start()
            await q.drain()
            done = q.get(1)
        finally:
            await q.stop()
            await ex.close()
            store.close()
        assert lost == [1]
        assert done.state == "succeeded", done.history
        view = StateStore.open(state, readonly=True)
        outcomes = [at["outcome"] for at in sorted(view.table("attempts").all(), key=lambda at: at["number"])]
        assert outcomes[0] == "lost", outcomes
        steps = view.table("jobs").get(1)["steps"]
        assert steps["a"]["results"] == a["results"]  # kept from before the crash, not re-run
        assert all(r["status"] == "changed" and "b-done" in r["result"]["stdout"] for r in steps["b"]["results"].values())
        for h in HOSTS:  # step a ran exactly once per host
            assert Path(shared, f"a.{h}").read_text() == "a\n"
    finally:
        shutil.rmtree(shared, ignore_errors=True)
