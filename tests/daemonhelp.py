"""Start ``ftl-tui daemon`` as a real process for the tests that attach to an owner
(imported by name: tests/ is on sys.path)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

FTL = [sys.executable, "-m", "ftltui"]


def start_daemon(state: Path, *extra: str, inventory: str = "localhost,") -> subprocess.Popen[str]:
    """The daemon on ``inventory`` (localhost runs in-process), returned once its API socket
    exists; the daemon is killed and its output shown if it exits or never comes up."""
    proc = subprocess.Popen([*FTL, "daemon", "-i", inventory, "--state-dir", str(state), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60  # a guard against a daemon that never comes up, not a speed check
    while not (state / "api.sock").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"daemon did not start: {proc.communicate()}")
        time.sleep(0.05)
    return proc
