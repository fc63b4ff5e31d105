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
], ids=["command", "shell"])
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
        assert started, f"the module never started: {ctl.poll()=}"
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
