"""hV2 finding 5: the console's ``u`` refused to requeue a succeeded job that ``jobs requeue``
(and the owner's ``jobs.again``) requeued, though both claim the same refusals, and the
refusal of a re-run of a finished job says "`ftl-tui jobs requeue N` runs it again". Now one
rule, :func:`ftltui.jobs.again.refusal`: the console requeues it as the CLI does.
Real state dir, real CLI process, a local-connection host.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR


def test_console_and_cli_requeue_a_succeeded_job_alike(tmp_path: Path) -> None:
    state, inv, marker = tmp_path / "st", tmp_path / "inv.yml", tmp_path / "marker"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def console() -> None:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("h1", "shell", {"_raw_params": f"echo ran >> {marker}"})
            assert (await s.queue.wait(job.id)).state == "succeeded"
            retry = await s.job_action("retry", job.id)
            assert not retry.done and "jobs requeue" in retry.message, retry.message
            result = await s.job_action("requeue", job.id)  # the console's u
            assert result.done and result.new_job is not None, result.message
            assert (await s.queue.wait(result.new_job.id)).state == "succeeded"

    asyncio.run(console())
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    cli = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "requeue", "1", "--state-dir", str(state)],
                         capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path, check=False)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert marker.read_text().split() == ["ran", "ran", "ran"]
