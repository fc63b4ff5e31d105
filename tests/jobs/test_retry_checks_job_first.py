"""``jobs retry|requeue`` checks the job before it asks for a secret (session 11, defect 2).

``ftl-tui jobs retry 999 -K`` asked for the become password, then said there was no job
999: a password typed for nothing. Now the job is read first (read-only: the owner's
store too), and only what it takes is asked: ``-K`` for a job that ran without become
and ``--secret NAME`` for a secret it never had are refused before any prompt, and a
secret it had that no option gives is asked on the terminal. Real CLI processes on a pty
(getpass reads /dev/tty), a real state dir made by a console session, local hosts.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from ptycli import cli_in_pty

from ftltui.console import ConsoleSession
from ftltui.console.run_args import RunBecome
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR

SECRET = "n0t-typed-Twice"


def _jobs(state: Path, inv: Path) -> tuple[int, int]:
    """Job 1: a run with become (su, a password): failed; job 2: a plain run: failed."""
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def make() -> tuple[int, int]:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            become = await s.submit_run("h1", "command", {"_raw_params": "false"},
                                        become=RunBecome("nobody", "su", SECRET))
            plain = await s.submit_run("h1", "command", {"_raw_params": "false"})
            for job in (become, plain):
                assert (await s.queue.wait(job.id)).state in ("failed", "dead")
            return become.id, plain.id

    return asyncio.run(make())


def _cli(state: Path, cwd: Path, *args: str, prompt: bytes = b"password:") -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return cli_in_pty([sys.executable, "-m", "ftltui", "jobs", *args, "--state-dir", str(state)],
                      prompt, "typed-for-nothing", cwd=cwd, env=env)


def test_the_job_is_checked_before_any_secret_is_asked(tmp_path: Path) -> None:
    state = tmp_path / "st"
    become_job, plain_job = _jobs(state, tmp_path / "inv.yml")

    code, screen = _cli(state, tmp_path, "retry", "999", "-K")
    assert "no job 999" in screen and "BECOME password" not in screen, screen
    assert code == 4, screen

    code, screen = _cli(state, tmp_path, "requeue", str(plain_job), "-K")
    assert "takes no become password" in screen and "BECOME password" not in screen, screen
    assert code != 0, screen

    code, screen = _cli(state, tmp_path, "requeue", str(become_job), "--secret", "bogus", prompt=b"bogus:")
    assert "had no secret named bogus" in screen and "bogus:" not in screen.replace("named bogus", ""), screen
    assert code != 0, screen

    code, screen = _cli(state, tmp_path, "show", str(plain_job + 1))  # nothing was queued by any of them
    assert code != 0 and f"no job {plain_job + 1}" in screen, screen
