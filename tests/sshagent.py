"""A real ssh-agent for tests: started on a socket the test owns, stopped afterwards."""

from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


@contextmanager
def ssh_agent(sock: Path) -> Iterator[str]:
    """``ssh-agent -D`` listening on ``sock`` (skips the test when ssh-agent is missing)."""
    if shutil.which("ssh-agent") is None:
        pytest.skip("ssh-agent is not installed")
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 10
        while not sock.exists():
            assert proc.poll() is None and time.monotonic() < end, "ssh-agent did not start"
            time.sleep(0.02)
        yield str(sock)
    finally:
        proc.terminate()
        proc.wait(5)
