"""After a take-over from a dead owner, the console shows the recovered host states (hR finding 6).

The dead owner's running job is recovered as ``lost`` (its shell command may have run:
not retried, so the job fails); its host must read ``failed`` in the Inventory pane and in
the job's host results, not ``running`` as the attached console last saw it. A real daemon
killed with SIGKILL, the app through the pilot, a real state dir.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from daemonhelp import serving_daemon
from tuihelpers import wait_for

from ftltui.api.client import ApiClient
from ftltui.tui.app_attach import drift_ready, owns_jobs


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    yield from serving_daemon(tmp_path / "state")


async def test_take_over_shows_the_recovered_hosts_not_running(
        make_app: Any, tmp_path: Path, daemon: subprocess.Popen[str]) -> None:
    from ftltui.tui.app_attach import TakeOverScreen

    state = tmp_path / "state"
    app = make_app(["localhost,"], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.inventory is not None and drift_ready(app.services))
        async with await ApiClient.connect(state) as client:
            ref = await client.request("run.submit", pattern="localhost", module="shell", args={"cmd": "sleep 30"})
        job_id = int(ref["id"])
        status = app.main.pane("inventory").status
        await wait_for(pilot, lambda: status.get("localhost") == "running")
        daemon.send_signal(signal.SIGKILL)
        daemon.communicate(timeout=60)
        await wait_for(pilot, lambda: isinstance(app.screen, TakeOverScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: owns_jobs(app.services) and app.services.queue is not None)
        await wait_for(pilot, lambda: getattr(app.services.jobs.get(job_id), "terminal", False))
        job = app.services.jobs[job_id]
        assert job.state == "failed" and job.per_host["localhost"]["state"] == "held", (job.state, job.per_host)
        await wait_for(pilot, lambda: app.main.pane("inventory").status.get("localhost") == "failed")
        assert app.services.host_results(job) == {"localhost": "failed"}
