"""A retry/requeue runs on the job's own hosts, from the inventory it was queued with (hR finding 3).

The job's spec keeps its inventory sources. ``jobs retry`` without ``-i`` uses them (it
used the bundled demo inventory: no host matched and the re-run "succeeded"); with an
``-i`` that differs it is refused, naming both (it ran on the other inventory's host of
that name); a console session on another inventory refuses ``r``/``e``/``u`` the same
way; and a re-run whose hosts have left the inventory fails instead of succeeding.
Real state dirs, the real CLI in its own processes, local-connection hosts.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR

HOST = "fin3-h01"  # not in the bundled demo inventory


def ftl(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    env.pop("ANSIBLE_INVENTORY", None)
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def inventory(path: Path) -> Path:
    path.write_text(f"all:\n  hosts:\n    {HOST}:\n      ansible_connection: local\n")
    return path


def failed_run(state: Path, inv: Path, marker: Path) -> int:
    """Job 1: a shell command on HOST from ``inv`` that appends to ``marker`` and fails."""

    async def go() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as session:
            job = await session.submit_run(HOST, "shell", {"_raw_params": f"echo ran >> {marker}; exit 3"})
            assert session.queue is not None
            done = await session.queue.wait(job.id)
            assert done.state == "failed", done.state
            assert done.spec["inventory"] == [os.path.realpath(inv)]
            return job.id

    return asyncio.run(go())


def test_cli_retry_uses_the_jobs_inventory_and_refuses_another(tmp_path: Path) -> None:
    state, marker = tmp_path / "st", tmp_path / "marker"
    inv_a, inv_b = inventory(tmp_path / "a.yml"), inventory(tmp_path / "b.yml")
    job_id = failed_run(state, inv_a, marker)
    assert marker.read_text() == "ran\n"

    # another inventory with a host of that name: refused, both named, nothing ran
    other = ftl("jobs", "retry", str(job_id), "-i", str(inv_b), state=state, cwd=tmp_path)
    assert other.returncode != 0, other.stdout + other.stderr
    assert str(inv_a) in other.stderr and str(inv_b) in other.stderr, other.stderr
    assert marker.read_text() == "ran\n"

    # no -i: the job's own inventory (not the demo one), so it really runs again, and fails again
    again = ftl("jobs", "retry", str(job_id), state=state, cwd=tmp_path)
    assert again.returncode == 2, again.stdout + again.stderr
    assert "demo inventory" not in again.stderr
    assert marker.read_text() == "ran\nran\n"

    # the job's host left its inventory: the requeue fails, never "succeeded (0 host(s) ok)"
    inv_a.write_text("all:\n  hosts:\n    other-host:\n      ansible_connection: local\n")
    gone = ftl("jobs", "requeue", str(job_id), state=state, cwd=tmp_path)
    assert gone.returncode != 0, gone.stdout + gone.stderr
    rows = json.loads(ftl("jobs", "list", "--json", state=state, cwd=tmp_path).stdout)
    assert "succeeded" not in [r["state"] for r in rows], rows
    assert marker.read_text() == "ran\nran\n"


def test_console_refuses_a_retry_from_another_inventory(tmp_path: Path) -> None:
    state, marker = tmp_path / "st", tmp_path / "marker"
    inv_a, inv_b = inventory(tmp_path / "a.yml"), inventory(tmp_path / "b.yml")
    job_id = failed_run(state, inv_a, marker)

    async def go() -> None:
        async with ConsoleSession(state, inventory=load_inventory([str(inv_b)])) as session:
            for action in ("retry", "rerun", "requeue"):
                result = await session.job_action(action, job_id)
                assert not result.done and result.new_job is None, (action, result)
                assert str(inv_a) in result.message and str(inv_b) in result.message, result.message
            assert [j.id for j in session.jobs.values()] == [job_id]

    asyncio.run(go())
    assert marker.read_text() == "ran\n"
