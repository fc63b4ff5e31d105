"""A SIGKILLed controller leaves no local module process behind (issue 12, defect 4).

Local modules start their processes in a new session, so no signal from the kernel
reaches them when the controller dies. The real ``ftl-tui run`` is started as a
subprocess, SIGKILLed while its ``command``/``shell`` process sleeps, and the sleeping
processes (found by a unique argument in /proc) must be gone within a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from faults_helpers import pids_mentioning

ROOT = Path(__file__).parent.parent.parent


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_for(predicate, seconds: float):
    end = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        time.sleep(0.05)


@pytest.mark.parametrize("module,args", [
    # the module's own process (``sleep``)
    ("command", lambda m: json.dumps({"argv": ["sleep", m]})),
    # a shell and its child in the same process group (the shell cannot exec the sleep)
    ("shell", lambda m: f"sleep {m}; echo after"),
    # ``chdir`` takes the subprocess.Popen path instead of posix_spawn
    ("command", lambda m: json.dumps({"argv": ["sleep", m], "chdir": "/"})),
], ids=["command", "shell", "command-chdir"])
def test_sigkilled_controller_takes_its_local_processes_along(tmp_path: Path, module: str, args) -> None:
    marker = "30.%09d" % (uuid.uuid4().int % 10**9)  # ``sleep 30.123456789``: unique in /proc
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": {"l1": {"ansible_connection": "local"}}}}))
    argv = [sys.executable, "-m", "ftltui", "run", "l1", module, "-a", args(marker), "-i", str(inv),
            "--state-dir", str(tmp_path / "state")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ctl = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        # the controller's own argv holds the marker too
        started = _wait_for(lambda: [p for p in pids_mentioning(marker) if p != ctl.pid], 20)
        assert started, f"the module never started: rc {ctl.poll()}, {ctl.stderr.read() if ctl.poll() is not None else ''}"
        assert ctl.poll() is None
        time.sleep(0.2)  # well inside the module now (its group is recorded)
        ctl.send_signal(signal.SIGKILL)
        ctl.wait()
        left = _wait_for(lambda: not pids_mentioning(marker), 5) or pids_mentioning(marker)
        assert left is True, f"processes outlived the SIGKILLed controller: {left}"
    finally:
        if ctl.poll() is None:
            ctl.kill()
            ctl.wait()
        _kill(pids_mentioning(marker))


def _session_sleep(marker: str) -> subprocess.Popen:
    return subprocess.Popen(["sleep", marker], start_new_session=True)


def test_watcher_stops_recorded_groups_only_and_survives_being_replaced() -> None:
    """The guard's contract, on its own: closing our end of the pipe (what dying does)
    stops the groups still recorded, not those discarded; a watcher that was killed is
    replaced by one that knows the groups recorded before."""
    from ftltui.engine.procguard import ProcessGuard

    marker = "31.%09d" % (uuid.uuid4().int % 10**9)
    kept_marker = "32.%09d" % (uuid.uuid4().int % 10**9)
    guard = ProcessGuard()
    first, later, kept = _session_sleep(marker), _session_sleep(marker), _session_sleep(kept_marker)
    try:
        guard.add(first.pid)
        guard.add(kept.pid)
        guard.discard(kept.pid)  # finished as far as the controller knows: not to be touched
        old = guard.watcher_pid
        assert old is not None
        os.kill(old, signal.SIGKILL)
        os.waitpid(old, 0)
        guard.add(later.pid)  # the first write may still land in the dead watcher's pipe
        guard.add(later.pid)
        assert guard.watcher_pid not in (None, old)
        new = guard.watcher_pid
        guard.release()
        assert first.wait(5) == -signal.SIGTERM and later.wait(5) == -signal.SIGTERM
        os.waitpid(new, 0)  # the watcher exits once it has stopped them
        assert kept.poll() is None
    finally:
        for p in (first, later, kept):
            if p.poll() is None:
                p.kill()
                p.wait()
