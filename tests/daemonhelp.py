"""Start ``ftl-tui daemon`` as a real process for the tests that attach to an owner
(imported by name: tests/ is on sys.path)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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


def serving_daemon(state: Path, *extra: str, inventory: str = "localhost,") -> Iterator[subprocess.Popen[str]]:
    """A pytest fixture body: the daemon for the test, stopped (SIGTERM, then reaped) after it
    unless the test killed it already."""
    proc = start_daemon(state, *extra, inventory=inventory)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
