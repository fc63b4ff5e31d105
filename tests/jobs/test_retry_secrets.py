"""hV2 finding 2: a re-run of a job that had secrets (a become password, a secret argument)
enqueued the stored spec, where the secret is ``********``, with ``has_secrets`` False: su
got ``********`` as the password, a ``password=`` argument would be set to it. Now every face
refuses with the ``secrets_lost`` words: the console's r/e/u (``job_action``), ``jobs retry``
and ``jobs requeue`` (the CLI in its own process), and the owner's requeue (``queue.requeue``,
what ``jobs.requeue`` calls). Nothing is queued and no host runs the mask.
Real state dir, real CLI processes, a local-connection host.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.console import ConsoleSession
from ftltui.errors import StateError
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR

SECRET = "hunter2SECRET"


def ftl(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=cwd, check=False)


def test_rerun_of_a_job_with_a_become_password_is_refused_on_every_face(tmp_path: Path) -> None:
    state, inv = tmp_path / "st", tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def console() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("h1", "command", {"_raw_params": "false"},
                                     become={"user": "nobody", "method": "su", "password": SECRET})
            done = await s.queue.wait(job.id)
            assert done.state in ("failed", "dead"), done.state
            for action in ("requeue", "retry", "rerun"):  # the console's u, r, e
                result = await s.job_action(action, job.id)
                assert not result.done and result.new_job is None, (action, result.message)
                assert "secrets lost" in result.message and "submit it again" in result.message, result.message
            with pytest.raises(StateError, match="secrets lost"):  # the owner API's jobs.requeue
                await s.queue.requeue(job.id)
            assert len(s.jobs) == 1 and len(s.queue.store.table("jobs").all()) == 1
            return job.id

    job_id = asyncio.run(console())
    for cmd in ("retry", "requeue"):
        out = ftl("jobs", cmd, str(job_id), state=state, cwd=tmp_path)
        assert out.returncode != 0, (cmd, out.stdout, out.stderr)
        assert "secrets lost" in out.stderr, (cmd, out.stderr)
    second = ftl("jobs", "show", str(job_id + 1), state=state, cwd=tmp_path)
    assert second.returncode != 0, second.stdout  # nothing was queued by any face
