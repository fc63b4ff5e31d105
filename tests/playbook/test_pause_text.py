"""issue 15: a timed ``pause`` prints ansible-playbook's ``Pausing for N seconds`` line under its
task banner (no TTY: Ansible prints no ctrl+C hint). Compared with ansible-playbook's output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")

PLAYBOOK = "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: wait\n      pause: {seconds: 1}\n"


def _task_block(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("TASK [wait]"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith("PLAY RECAP"))
    return [ln.rstrip() for ln in lines[start + 1:end] if ln.strip()]


def test_timed_pause_prints_pausing_line_as_ansible(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text(PLAYBOOK)
    (tmp_path / "hosts").write_text(f"a ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_LOCALHOST_WARNING="0")
    outs = []
    for cmd in (["ansible-playbook"], [sys.executable, "-m", "ftltui", "play"]):
        proc = subprocess.run([*cmd, "-i", "hosts", "p.yml"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outs.append(_task_block(proc.stdout))
    assert outs[1] == outs[0] == ["Pausing for 1 seconds", "ok: [a]"]


def test_timed_pause_shows_in_the_console_logs_pane_words() -> None:
    from ftltui.jobs.play_record import log_lines
    from ftltui.playbook.events import PauseStarted
    e = PauseStarted(host="a", seconds=3)
    assert log_lines("j1", e) == log_lines("j1", e.to_dict()) == [("j1", "a", "note", "Pausing for 3 seconds")]
