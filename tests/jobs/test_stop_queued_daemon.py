"""A daemon that stops keeps its queued jobs for the next owner (durable jobs), except the
job a waiting ``ftl-tui run`` client asked for (hR finding 19): that client exits 1 ("lost
the connection to the owner ... cancelled if it had not started"), so its job is cancelled,
at a graceful stop and, after a ``kill -9``, at the next owner's recovery; it never runs
later unattended. A job queued without a waiting client (what the attached console and
``--detach`` submit) runs when the next owner starts.

Real daemon and client processes, a real state dir, a local host; the daemon runs one job
at a time so the later ones wait.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from daemonhelp import FTL, start_daemon

from ftltui.api.client import ApiClient
from ftltui.jobs.queue import DIED_QUEUED, STOPPED_QUEUED
from ftltui.paths import REPO_DIR

GONE_WORDS = "cancelled if it had not started"


def _jobs(state: Path) -> dict[int, dict]:
    out = subprocess.run([*FTL, "jobs", "list", "--json", "--state-dir", str(state)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO_DIR)})
    return {r["id"]: r for r in json.loads(out.stdout)}


def _until(what: str, cond) -> None:
    deadline = time.monotonic() + 60  # a guard, not a speed check
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


async def _submit_unattended(state: Path, cmd: str) -> int:
    """``run.submit`` as the attached console sends it: nobody waits on this connection."""
    async with await ApiClient.connect(state) as client:
        ref = await client.request("run.submit", pattern="fin19", module="shell", args={"_raw_params": cmd})
        return int(ref["id"])


async def _wait_done(state: Path, job_id: int) -> None:
    async with await ApiClient.connect(state) as client:
        async for _ in client.stream("jobs.watch", id=job_id):
            pass


def _two_clients(tmp_path: Path, state: Path, inv: Path, marker: Path) -> tuple[subprocess.Popen, list]:
    """A daemon with job 1 (a waiting client's) running and job 2 (another's) queued."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    daemon = start_daemon(state, "--concurrency", "1", inventory=str(inv))
    run = [*FTL, "run", "fin19", "-i", str(inv), "--state-dir", str(state), "-m", "shell", "-a"]
    clients = [subprocess.Popen([*run, f"echo started > {fifo}; sleep 60"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)]
    with open(fifo) as fh:  # the first run's command is running on the host
        assert fh.read().strip() == "started"
    clients.append(subprocess.Popen([*run, f"echo ran > {marker}"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True))
    _until("the second run queued", lambda: _jobs(state).get(2, {}).get("state") == "queued")
    return daemon, clients


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    fin19:\n      ansible_connection: local\n")
    return inv


def _reap(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.communicate()


def test_a_graceful_stop_cancels_the_waiting_clients_job_and_keeps_the_unattended_one(tmp_path: Path) -> None:
    inv, state, marker, kept = _inventory(tmp_path), tmp_path / "st", tmp_path / "second", tmp_path / "kept"
    daemon, clients = _two_clients(tmp_path, state, inv, marker)
    try:
        third = asyncio.run(_submit_unattended(state, f"echo kept > {kept}"))
        daemon.send_signal(signal.SIGTERM)
        _, derr = daemon.communicate(timeout=60)
        assert "queued jobs stay queued" in derr, derr
        for client in clients:
            _, err = client.communicate(timeout=60)
            assert client.returncode == 1 and GONE_WORDS in err, err
    finally:
        _reap(daemon, *clients)
    rows = _jobs(state)
    assert (rows[2]["state"], rows[2]["reason"]) == ("cancelled", STOPPED_QUEUED), rows[2]
    assert rows[third]["state"] == "queued", rows[third]

    again = start_daemon(state, inventory=str(inv))  # the next owner runs what stayed queued
    try:
        asyncio.run(_wait_done(state, third))
        assert _jobs(state)[third]["state"] == "succeeded"
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=60)
    assert kept.read_text() == "kept\n"
    assert not marker.exists()


def test_a_waiting_clients_queued_job_is_cancelled_at_recovery_after_kill_9(tmp_path: Path) -> None:
    inv, state, marker = _inventory(tmp_path), tmp_path / "st", tmp_path / "second"
    daemon, clients = _two_clients(tmp_path, state, inv, marker)
    try:
        daemon.send_signal(signal.SIGKILL)
        daemon.communicate(timeout=60)
        _, err = clients[1].communicate(timeout=60)
        assert clients[1].returncode == 1 and GONE_WORDS in err, err
    finally:
        _reap(daemon, *clients)
    (state / "api.sock").unlink(missing_ok=True)  # the dead daemon's: start_daemon waits for the new one's

    again = start_daemon(state, inventory=str(inv))  # recovery: job 2's client is gone
    try:
        rows = _jobs(state)
        assert (rows[2]["state"], rows[2]["reason"]) == ("cancelled", DIED_QUEUED), rows[2]
        assert rows[1]["state"] == "failed", rows[1]  # lost with its owner
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=60)
    assert not marker.exists()
