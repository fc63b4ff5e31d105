"""Who owns a running job: a pid plus that process's start time (pids get reused)."""

from __future__ import annotations

import os
from typing import Any


def process_start_time(pid: int) -> float | None:
    """The process's start time in clock ticks since boot, from /proc (None if gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # the command name may contain spaces and parentheses: split after the last ')'
    fields = data[data.rfind(b")") + 2:].split()
    return float(fields[19])


def owner_alive(owner: dict[str, Any] | None) -> bool:
    """Is the process that recorded ``owner`` still the same running process?"""
    if not owner or not owner.get("pid"):
        return False
    pid = int(owner["pid"])
    if pid == os.getpid():
        return False  # we just started: anything "we" own is from a previous life
    start = process_start_time(pid)
    return start is not None and start == owner.get("start")
