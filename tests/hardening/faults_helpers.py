"""Helpers for the fault tests: inventories over test beds, netns link control, events.

Every change to a shared (session-scoped) bed is undone by a context manager, on
failure too, so the tests that run after these see the bed as it was.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ftltui.engine.events import HostFinished, OutputLine
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory


def host_entry(bed: Any, name: str, **extra: Any) -> dict[str, Any]:
    """A bed host's connection vars, with that bed's known_hosts (beds can be mixed)."""
    return dict(bed.host_vars(name), ansible_ssh_common_args=f"-o UserKnownHostsFile={bed.known_hosts}",
                ansible_python_interpreter="/usr/bin/python3", **extra)


def write_inventory(path: Path, hosts: dict[str, dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"all": {"hosts": hosts}}))
    return path


def executor(path: Path, hosts: dict[str, dict[str, Any]], **ssh_options: Any) -> Executor:
    return Executor(load_inventory([str(write_inventory(path, hosts))]), ssh_options=ssh_options)


def _ip(*argv: str) -> None:
    r = subprocess.run(["ip", *argv], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(argv)}: {r.stderr.strip()}")


@contextmanager
def link_down(netns: str, dev: str) -> Iterator[None]:
    """Cut a veth end inside ``netns`` (the host behind it stops answering); restore after."""
    _ip("-n", netns, "link", "set", dev, "down")
    try:
        yield
    finally:
        _ip("-n", netns, "link", "set", dev, "up")


def netem_unavailable() -> str | None:
    """None if ``tc ... netem`` works here (tried in a throwaway netns), else why not."""
    import os
    import shutil

    if shutil.which("tc") is None:
        return "tc (iproute2) is not installed"
    probe = f"ftlnetem{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return "cannot create a network namespace to probe netem"
    try:
        r = subprocess.run(["ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "lo", "root", "netem",
                            "delay", "1ms"], capture_output=True, text=True)
        return None if r.returncode == 0 else f"netem qdisc unavailable in this kernel: {r.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)


@contextmanager
def netem_delay(netns: str | None, dev: str, delay: str) -> Iterator[None]:
    """Add ``delay`` to every packet leaving ``dev`` (in ``netns``, or the default one)."""
    pre = ["ip", "netns", "exec", netns] if netns else []
    r = subprocess.run([*pre, "tc", "qdisc", "add", "dev", dev, "root", "netem", "delay", delay],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tc netem on {dev}: {r.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([*pre, "tc", "qdisc", "del", "dev", dev, "root"], capture_output=True)


class Watch:
    """Collects a run's events: who printed ``started``, the HostFinished order."""

    def __init__(self, expect_started: set[str]) -> None:
        self.expect = set(expect_started)
        self.started: set[str] = set()
        self.finished: list[str] = []
        self.all_started = asyncio.Event()

    def __call__(self, ev: Any) -> None:
        if isinstance(ev, OutputLine) and ev.text == "started":
            self.started.add(ev.host)
            if self.expect <= self.started:
                self.all_started.set()
        elif isinstance(ev, HostFinished):
            self.finished.append(ev.host)


def pids_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains ``text``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if text.encode() in (d / "cmdline").read_bytes():
                    out.append(int(d.name))
            except OSError:
                pass
    return out


async def wait_no_process(text: str, seconds: float) -> list[int]:
    """PIDs whose command line still contains ``text`` after up to ``seconds``."""
    import time

    end = time.monotonic() + seconds
    while True:
        left = pids_mentioning(text)
        if not left or time.monotonic() > end:
            return left
        await asyncio.sleep(0.1)
