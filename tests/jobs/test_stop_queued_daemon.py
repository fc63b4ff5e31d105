"""An ad-hoc ``ftl-tui run`` queued at a daemon that stops does not run later (hR finding 19).

Its client exits 1 ("lost the connection to the owner"): the job is cancelled with the
owner (``cancelled: its console or owner stopped before it started``), not left queued to
run unattended when the next owner starts. Real daemon and client processes, a real
state dir, a local host; the daemon runs one job at a time so the second run waits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from daemonhelp import FTL, start_daemon

from ftltui.jobs.queue import STOPPED_QUEUED
from ftltui.paths import REPO_DIR


def _jobs(state: Path) -> dict[int, dict]:
    out = subprocess.run([*FTL, "jobs", "list", "--json", "--state-dir", str(state)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO_DIR)})
    return {r["id"]: r for r in json.loads(out.stdout)}


def _until(what: str, cond) -> None:
    deadline = time.monotonic() + 60  # a guard, not a speed check
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_queued_run_is_cancelled_when_its_daemon_stops(tmp_path: Path) -> None:
    inv, state, fifo, marker = tmp_path / "inv.yml", tmp_path / "st", tmp_path / "fifo", tmp_path / "second"
    inv.write_text("all:\n  hosts:\n    fin19:\n      ansible_connection: local\n")
    os.mkfifo(fifo)
    daemon = start_daemon(state, "--concurrency", "1", inventory=str(inv))
    clients = []
    try:
        run = [*FTL, "run", "fin19", "-i", str(inv), "--state-dir", str(state), "-m", "shell", "-a"]
        clients.append(subprocess.Popen([*run, f"echo started > {fifo}; sleep 60"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
        with open(fifo) as fh:  # the first run's command is running on the host
            assert fh.read().strip() == "started"
        clients.append(subprocess.Popen([*run, f"echo ran > {marker}"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
        _until("the second run queued", lambda: _jobs(state).get(2, {}).get("state") == "queued")
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
        for client in clients:
            _, err = client.communicate(timeout=60)
            assert client.returncode == 1 and "stops cancels its running and queued jobs" in err, err
    finally:
        for p in (daemon, *clients):
            if p.poll() is None:
                p.kill()
                p.communicate()
    rows = _jobs(state)
    assert rows[2]["state"] == "cancelled" and STOPPED_QUEUED[:60] in rows[2]["reason"], rows[2]

    again = start_daemon(state, inventory=str(inv))  # the next owner: nothing left to run
    try:
        assert [r["state"] for r in _jobs(state).values()] == ["cancelled", "cancelled"]
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=60)
    assert not marker.exists()
