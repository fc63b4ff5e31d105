"""``jobs show`` of a job whose owner died says what recovery will record for its hosts
(hG session 11, finding 10): the hosts read ``running (running)`` while ``jobs list``
said ``lost``. A real ``ftl-tui play`` owns the state directory and is SIGKILLed while
its task runs; no new owner has opened the store yet."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FTL = [sys.executable, "-m", "ftltui"]
BOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: slow
      shell: echo $$ > {pid}; sleep 120
"""


def _ftl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=120,
                          check=False)


def test_a_dead_owners_hosts_are_shown_lost_not_running(tmp_path: Path) -> None:
    pid_file, state = tmp_path / "task.pid", tmp_path / "state"
    (tmp_path / "inv.ini").write_text(f"l1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "slow.yml").write_text(BOOK.format(pid=pid_file))
    owner = subprocess.Popen([*FTL, "play", str(tmp_path / "slow.yml"), "-i", str(tmp_path / "inv.ini"),
                              "--state-dir", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
        while not (pid_file.exists() and pid_file.read_text().strip()):
            assert owner.poll() is None and time.monotonic() < deadline, owner.communicate()
            time.sleep(0.05)
    finally:
        owner.kill()
        owner.communicate(timeout=60)
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)  # the task the dead owner left running
        except (OSError, ValueError):
            pass
    (row,) = json.loads(_ftl(state, "jobs", "list", "--json").stdout)
    assert row["state"] == "lost", row
    shown = _ftl(state, "jobs", "show", str(row["id"]))
    assert shown.returncode == 0, shown.stderr
    hosts = shown.stdout.split("  hosts\n", 1)[1].splitlines()
    assert hosts and hosts[0].split()[:2] == ["l1", "failed"], shown.stdout
    assert "running" not in hosts[0], shown.stdout
    # recovery's words: the host's attempt is lost, and its command may have run
    assert "the controller died while this host ran" in hosts[0] and "the command may have run" in hosts[0]
    # --json keeps the stored record: what the store holds until an owner recovers it
    stored = json.loads(_ftl(state, "jobs", "show", str(row["id"]), "--json").stdout)
    assert stored["per_host"]["l1"]["state"] == "running"
