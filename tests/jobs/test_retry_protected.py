"""``jobs retry|requeue`` of a job on a protected group asks first, as ``run`` and ``play`` do (hR finding 15).

Without ``--confirm-protected``/``--yes`` (and no terminal to type ``yes`` on) the command
exits 5 and queues nothing; with it, the re-run runs. Real CLI processes, a real state dir
holding a failed job on the protected group ``prod`` (local hosts).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from guardinv import guard_inventory

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR


def ftl(*args: str, state: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=120)


def test_jobs_retry_and_requeue_need_confirm_protected(tmp_path: Path) -> None:
    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: [prod]")
    state, marker = tmp_path / "state", tmp_path / "marker"

    async def failed() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inventory)])) as session:
            job = await session.submit_run("prod", "shell", {"_raw_params": f"echo x >> {marker}; exit 3"},
                                           confirmed=True)
            assert session.queue is not None
            assert (await session.queue.wait(job.id)).state == "failed"
            return job.id

    job_id = asyncio.run(failed())
    for cmd in ("retry", "requeue"):
        for extra in ((), ("--detach",)):
            r = ftl("jobs", cmd, str(job_id), *extra, state=state)
            assert r.returncode == 5, (cmd, extra, r.stdout, r.stderr)
            assert "protected group prod" in r.stderr and "--confirm-protected" in r.stderr, r.stderr
    assert len(json.loads(ftl("jobs", "list", "--json", state=state).stdout)) == 1
    assert marker.read_text() == "x\nx\n"

    yes = ftl("jobs", "retry", str(job_id), "--yes", state=state)
    assert yes.returncode == 2, yes.stdout + yes.stderr  # it ran again, and failed again
    assert marker.read_text() == "x\n" * 4
