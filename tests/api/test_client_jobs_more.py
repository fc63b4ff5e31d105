"""``play WORKFLOW``, ``jobs show`` and ``jobs retry|requeue`` as clients of ``ftl-tui daemon`` (issue 16).

The same commands run twice on two state directories with the same history: once
while a daemon owns the first (they become its clients), once alone on the second (no
owner: they own it for their run). Output and exit status must be equal, timestamps
aside; ``jobs show`` is also compared against itself on the same directory once the
daemon has stopped.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from ftltui.api.client import ApiClient

INVENTORY = "localhost,"
FTL = [sys.executable, "-m", "ftltui"]
WORKFLOW = """\
name: two-steps
hosts: localhost
steps:
  - name: hello
    module: command
    args: "echo hello-from-the-workflow"
  - name: broken
    depends_on: [hello]
    module: command
    args: "false"
  - name: after
    depends_on: [broken]
    module: command
    args: "echo never"
"""


def ftl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=180,
                          check=False, stdin=subprocess.DEVNULL)


def timeless(text: str) -> str:
    text = re.sub(r'"(ts|duration|updated|created|start|end|delta|not_before|run_id)": ?[^,}]+', r'"\1": T', text)
    text = re.sub(r"\b1\d{9}(\.\d+)?\b", "T", text)  # epoch times in the summary's step records
    return re.sub(r"\b\d+\.\d+s\b", "Ns", text)


def sequence(state: Path, workflow: Path) -> list[subprocess.CompletedProcess[str]]:
    return [ftl(state, "play", str(workflow), "-i", INVENTORY),  # job 1
            ftl(state, "play", str(workflow), "-i", INVENTORY, "--json"),  # job 2
            ftl(state, "jobs", "retry", "1", "-i", INVENTORY),  # job 3: from failure
            ftl(state, "jobs", "retry", "99", "-i", INVENTORY)]


def test_workflow_and_job_commands_through_the_daemon_print_as_alone(tmp_path: Path) -> None:
    workflow = tmp_path / "two-steps.yml"
    workflow.write_text(WORKFLOW)
    owned, alone = tmp_path / "owned", tmp_path / "alone"
    daemon = subprocess.Popen([*FTL, "daemon", "-i", INVENTORY, "--state-dir", str(owned)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60  # a guard against a daemon that never comes up, not a speed check
        while not (owned / "api.sock").exists():
            assert daemon.poll() is None and time.monotonic() < deadline, daemon.communicate()
            time.sleep(0.05)
        through = sequence(owned, workflow)
        detached = ftl(owned, "jobs", "requeue", "2", "-i", INVENTORY, "--detach")  # job 4, run by the daemon
        shows = {args: ftl(owned, "jobs", "show", *args) for args in (("3", "--json"),)}

        async def jobs() -> list[dict[str, object]]:
            async with await ApiClient.connect(owned) as client:
                async for _ in client.stream("jobs.watch", id=4):
                    pass
                rows: list[dict[str, object]] = await client.request("jobs.list")
                return rows

        rows = asyncio.run(jobs())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    alone_runs = sequence(alone, workflow)
    for got, want in zip(through, alone_runs, strict=True):
        differ = [(a, b) for a, b in zip(timeless(got.stdout).splitlines(), timeless(want.stdout).splitlines()) if a != b]
        assert (got.returncode, timeless(got.stdout)) == (want.returncode, timeless(want.stdout)), (got.args, differ[:2])
    assert [r.returncode for r in through] == [2, 2, 2, 4]
    assert "hello-from-the-workflow" in through[0].stdout and through[0].stdout.startswith("job 1: ")
    assert "[hello] succeeded" in through[0].stdout and "[broken] failed" in through[0].stdout
    assert "no job 99" in through[3].stderr
    assert detached.returncode == 0 and detached.stdout == "job 4: queued (from job 2)\n"
    assert [r["state"] for r in rows] == ["failed"] * 4  # every job was the daemon's and ran there
    for args, got in shows.items():  # the owner's record, printed as the store's
        want = ftl(owned, "jobs", "show", *args)
        assert (got.returncode, got.stdout) == (want.returncode, want.stdout) and got.returncode == 0


def test_play_json_prints_a_steps_outputs_before_the_progress_that_counts_it_done(tmp_path: Path) -> None:
    """The order of ``play --json``'s records is the job's, not the disk's: a step's last
    outputs wait for its host's journal commit, and the job's progress used to be emitted
    at once, so "1 of 3 done" came before or after the step's host.finished depending on
    whether that commit beat the step's end. The test above compares a client of an owner
    with the command alone, and failed now and then under load on exactly that."""
    workflow = tmp_path / "two-steps.yml"
    workflow.write_text(WORKFLOW)
    got = ftl(tmp_path / "state", "play", str(workflow), "-i", INVENTORY, "--json")
    records = [json.loads(line) for line in got.stdout.splitlines() if line.startswith('{"schema"')]
    events = [(r["event"], r.get("step"), r.get("state"), r.get("done")) for r in records]
    ends = [i for i, (name, _, state, _) in enumerate(events) if name == "step.changed" and state != "running"]
    assert got.returncode == 2 and len(ends) == 3, got.stdout
    for n, end in enumerate(ends, start=1):
        step = events[end][1]
        assert events[end - 1] == ("job.progress", None, None, n), (step, events)  # "n of 3 done", then the step's end
        outputs = [i for i, (name, of, _, _) in enumerate(events) if name == "job.output" and of == step]
        assert all(i < end - 1 for i in outputs), (step, events)  # its outputs, all before the progress
