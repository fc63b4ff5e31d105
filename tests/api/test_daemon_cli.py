"""``ftl-tui daemon`` and the commands that become its clients, as real processes.

The comparison is the command against itself: what ``jobs list``/``jobs logs`` print
through a live owner must equal what they print reading the same store with no owner.
Then the owner is SIGKILLed while a client follows a job: the client says so, and a
new owner recovers the job.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from daemonhelp import FTL, start_daemon

from ftltui.api.client import ApiClient

INVENTORY = "localhost,"


def ftl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=120, check=False)


async def submit(state: Path, cmd: str) -> int:
    async with await ApiClient.connect(state) as client:
        ref = await client.request("run.submit", pattern="localhost", module="shell", args={"cmd": cmd})
        return int(ref["id"])


async def wait_done(state: Path, job_id: int) -> None:
    async with await ApiClient.connect(state) as client:
        async for _ in client.stream("jobs.watch", id=job_id):
            pass


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_jobs_commands_print_the_same_through_the_owner(state: Path) -> None:
    daemon = start_daemon(state)
    try:
        ids = [asyncio.run(submit(state, "echo one; echo two >&2")), asyncio.run(submit(state, "exit 3"))]
        for job_id in ids:
            asyncio.run(wait_done(state, job_id))
        ids.append(asyncio.run(submit(state, "sleep 60")))
        via_owner = {args: ftl(state, *args) for args in (
            ("jobs", "cancel", str(ids[2])), ("jobs", "cancel", "99"), ("jobs", "purge", "--older-than", "30d"),
            ("jobs", "purge", "--older-than", "abc"), ("jobs", "list"), ("jobs", "list", "--json"), ("jobs", "list", "--state", "failed", "--json"),
            ("jobs", "logs", str(ids[0])), ("jobs", "logs", str(ids[1]), "--json"),
            ("jobs", "logs", "-f", str(ids[0])), ("jobs", "logs", "99"))}
    finally:
        code, err = stop(daemon)
    assert code == 0, err
    assert not (state / "api.sock").exists()  # the owner removed its socket
    for args, through in via_owner.items():
        alone = ftl(state, *args)  # no owner now: the command reads the store itself
        assert (through.returncode, through.stdout) == (alone.returncode, alone.stdout), args
    rows = json.loads(via_owner[("jobs", "list", "--json")].stdout)
    assert [r["state"] for r in rows] == ["succeeded", "failed", "cancelled"]  # cancelled by the owner at once
    assert via_owner[("jobs", "cancel", str(ids[2]))].stdout == f"job {ids[2]}: cancelled\n"
    assert "one" in via_owner[("jobs", "logs", str(ids[0]))].stdout
    assert via_owner[("jobs", "logs", "99")].returncode == 4


def test_second_owner_is_refused_while_the_daemon_runs(state: Path) -> None:
    daemon = start_daemon(state)
    try:
        second = subprocess.run([*FTL, "daemon", "-i", INVENTORY, "--state-dir", str(state)],
                                capture_output=True, text=True, timeout=60, check=False)
    finally:
        stop(daemon)
    assert second.returncode == 4 and "in use by pid" in second.stderr


def test_readonly_daemon_refuses_writes(state: Path) -> None:
    daemon = start_daemon(state, "--readonly")
    try:
        with pytest.raises(Exception, match="read-only"):
            asyncio.run(submit(state, "true"))
        listed = ftl(state, "jobs", "list", "--json")
    finally:
        stop(daemon)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_sigkill_of_the_owner_while_two_clients_stream(state: Path) -> None:
    """A ``run`` whose job the owner runs, and a ``jobs logs -f`` of another job: both say
    the owner died; a new owner replaces the stale socket and recovers both jobs, and
    the job that had finished is not run again."""
    daemon = start_daemon(state)
    finished = asyncio.run(submit(state, "echo finished-once"))
    asyncio.run(wait_done(state, finished))
    followed = asyncio.run(submit(state, "echo started; sleep 60"))
    runner = subprocess.Popen([*FTL, "run", "localhost", "-m", "shell", "-a", "echo running; sleep 60", "-v",
                               "-i", INVENTORY, "--state-dir", str(state)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    follower = subprocess.Popen([*FTL, "jobs", "logs", "-f", str(followed), "--state-dir", str(state)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "running" in runner.stdout.readline()  # both clients are streaming live
    first = follower.stdout.readline()
    assert "running" in first or "started" in first, first
    os.kill(daemon.pid, signal.SIGKILL)
    daemon.wait(timeout=30)
    for client in (runner, follower):
        out, err = client.communicate(timeout=60)
        assert client.returncode == 1, (out, err)
        assert f"lost the connection to the owner (pid {daemon.pid})" in err
    assert (state / "api.sock").exists()  # the dead owner's socket is left behind ...
    new = start_daemon(state)  # ... and a new owner replaces it and recovers the jobs
    try:
        rows = {r["id"]: r for r in json.loads(ftl(state, "jobs", "list", "--json").stdout)}
        shown = [json.loads(ftl(state, "jobs", "show", str(i), "--json").stdout) for i in sorted(rows)]
        log = ftl(state, "jobs", "logs", str(finished)).stdout
    finally:
        stop(new)
    assert len(rows) == 3 and rows[finished]["state"] == "succeeded"
    for job in shown[1:]:  # the two that were running when the owner died
        assert job["state"] not in ("running", "queued"), job["state"]
        assert [a["outcome"] for a in job["attempt_records"]] == ["lost"], job["attempt_records"]
    assert log.count("finished-once") == 1  # not run again by the new owner


def test_daemon_fires_a_once_a_second_schedule_on_the_real_clock(state: Path) -> None:
    added = ftl(state, "schedule", "add", "* * * * * *", "run", "localhost", "-m", "ping")
    assert added.returncode == 0, added.stderr
    daemon = start_daemon(state)
    try:
        deadline = time.monotonic() + 60  # a guard, not a speed check
        rows: list[dict] = []
        while sum(r["state"] == "succeeded" for r in rows) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            rows = json.loads(ftl(state, "jobs", "list", "--json").stdout)
    finally:
        stop(daemon)
    done = [r for r in rows if r["state"] == "succeeded"]
    assert len(done) >= 2 and {r["title"] for r in done} == {"ping on localhost"}, rows


def _scan_shape(text: str) -> str:
    """What two scans of one host share: not snapshot/run/job ids, hashes, times or counts."""
    import re

    text = re.sub(r"\bs[0-9a-f]{12}\b", "SNAP", text)
    text = re.sub(r'"[0-9a-f]{12}"', '"RUN"', text)  # engine run ids
    text = re.sub(r'"(time|content_hash)": [^,\n]+', r'"\1": X', text)
    text = re.sub(r"\b\d+ resources|\"count\": \d+", "N", text)
    return re.sub(r"job[ _\"id:]+\d+", "job J", text)


def test_drift_scan_through_the_owner_is_its_job_and_prints_as_alone(state: Path) -> None:
    daemon = start_daemon(state)
    try:
        through = [ftl(state, "drift", "scan", "localhost", "-i", INVENTORY, *extra) for extra in ((), ("--json",))]
        jobs = json.loads(ftl(state, "jobs", "list", "--json").stdout)
    finally:
        stop(daemon)
    alone = [ftl(state, "drift", "scan", "localhost", "-i", INVENTORY, *extra) for extra in ((), ("--json",))]
    for a, b in zip(through, alone):
        assert (a.returncode, _scan_shape(a.stdout)) == (b.returncode, _scan_shape(b.stdout))
    assert [j["title"] for j in jobs] == ["drift scan localhost"] * 2
    assert json.loads(through[1].stdout)["job_id"] == jobs[1]["id"]  # the owner's job, reported as such
