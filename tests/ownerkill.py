"""A real owner process that SIGKILLs itself in the middle of a job (imported by name:
tests/ is on sys.path), for the recovery tests of tests/jobs and tests/console."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ftltui.paths import REPO_DIR


def run_owner_until_killed(script: str, *args: str, orphan_pid: Path) -> None:
    """Run ``python -c script args`` (an owner that kills itself with SIGKILL once its job is
    where the test wants it) and check it died so; then kill the command its dead owner left
    running, whose pid the job wrote to ``orphan_pid``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    child = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    try:
        assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    finally:
        try:
            os.kill(int(orphan_pid.read_text()), signal.SIGKILL)  # the orphaned command of the dead owner
        except (OSError, ValueError):
            pass
