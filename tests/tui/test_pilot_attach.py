"""A second console attaches to the owner of its state directory (issue 16).

The owner is a real ``ftl-tui daemon`` process; the console is a pilot app on the same
state directory, which it finds owned and attaches to. A run submitted by another client
of the daemon (as ``ftl-tui run`` does) shows in the console's Jobs and Logs panes live,
a run the console submits is the daemon's job, a drift scan from the console is the
daemon's and its result shows in the drift pane. Then the daemon is SIGKILLed while a
job runs: the console says so and, told to take over, owns the directory: the dead
owner's jobs are recovered and the job that had finished is not run again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from daemonhelp import serving_daemon
from tuihelpers import screen_text, wait_for

from ftltui.api.client import ApiClient
from ftltui.tui.app_attach import drift_ready, owns_jobs

INVENTORY = "localhost,"  # localhost runs in-process in the daemon


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    yield from serving_daemon(tmp_path / "state")


async def client_run(state: Path, cmd: str) -> int:
    """A run submitted by another client of the owner (what ``ftl-tui run`` sends)."""
    async with await ApiClient.connect(state) as client:
        ref = await client.request("run.submit", pattern="localhost", module="shell", args={"cmd": cmd})
        return int(ref["id"])


async def attached(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.inventory is not None and drift_ready(app.services))


def job_state(app: Any, job_id: int) -> str:
    job = app.services.jobs.get(job_id)
    return job.state if job is not None else ""


async def test_a_second_console_shows_the_owners_jobs_logs_and_drift_live(
        make_app: Any, tmp_path: Path, daemon: subprocess.Popen[str]) -> None:
    state = tmp_path / "state"
    app = make_app([INVENTORY], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await attached(pilot)
        assert not owns_jobs(app.services) and app.services.attached_pid == daemon.pid
        assert f"attached to pid {daemon.pid}" in screen_text(app)

        # another client's run: live in this console's Jobs and Logs panes
        theirs = await client_run(state, "echo from-another-client")
        await wait_for(pilot, lambda: job_state(app, theirs) == "succeeded")
        assert any("from-another-client" in line for line in (r.text for r in app.logs_pane().ring))
        await pilot.press("4")  # the Jobs pane
        await wait_for(pilot, lambda: "shell on localhost" in screen_text(app))

        # this console's run is the owner's job
        app.cmd_run(["localhost", "shell", "cmd='echo from-the-console'"])
        await wait_for(pilot, lambda: any(j.id != theirs and j.state == "succeeded" for j in app.services.jobs.values()))
        mine = max(app.services.jobs)
        async with await ApiClient.connect(state) as client:
            assert (await client.request("jobs.show", id=mine))["state"] == "succeeded"
        assert any("from-the-console" in line for line in (r.text for r in app.logs_pane().ring))

        # a drift scan from the console: the owner's job; the stored result shows here
        app.drift_action("scan", "localhost")
        await wait_for(pilot, lambda: max(app.services.jobs) > mine)
        scan = max(app.services.jobs)
        assert app.services.jobs[scan].kind == "drift_scan"
        await wait_for(pilot, lambda: job_state(app, scan) == "succeeded")
        await wait_for(pilot, lambda: app.drift_report_cache is not None
                       and [c.host for c in app.drift_report_cache.comparisons] == ["localhost"])


async def test_owner_killed_the_console_says_so_and_takes_over(
        make_app: Any, tmp_path: Path, daemon: subprocess.Popen[str]) -> None:
    from ftltui.tui.app_attach import TakeOverScreen

    state = tmp_path / "state"
    marker = tmp_path / "ran.txt"
    app = make_app([INVENTORY], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await attached(pilot)
        once = await client_run(state, f"echo once >> {marker}")
        await wait_for(pilot, lambda: job_state(app, once) == "succeeded")
        slow = await client_run(state, f"echo started >> {marker}.slow; sleep 30")
        await wait_for(pilot, lambda: job_state(app, slow) == "running")
        daemon.send_signal(signal.SIGKILL)
        daemon.communicate(timeout=60)

        await wait_for(pilot, lambda: isinstance(app.screen, TakeOverScreen))
        assert f"pid {daemon.pid}" in screen_text(app) and "gone" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: owns_jobs(app.services) and app.services.queue is not None)
        await wait_for(pilot, lambda: (state / "api.sock").exists())
        async with await ApiClient.connect(state) as client:  # this process serves the directory now
            assert client.owner_pid == os.getpid()
        # recovered: not left running as if its dead owner still ran it (lost, or a new attempt of this owner)
        await wait_for(pilot, lambda: job_state(app, slow) not in ("running", "")
                       or app.services.jobs[slow].attempts > 1)
        assert "attached to pid" not in screen_text(app)
        assert job_state(app, once) == "succeeded"
    assert marker.read_text() == "once\n"  # the finished job never ran again
    await asyncio.sleep(0)
