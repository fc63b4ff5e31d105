"""``jobs retry`` on a terminal asks the protected-group question before any secret (hR s11 finding 6).

A "no" must leave nothing typed for nothing: the become password the job lost is asked only
after ``yes``. Real CLI processes on a pty, a real state dir holding a failed become job on
the protected group ``prod`` (a local host).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ptycli import cli_in_pty

from ftltui.paths import REPO_DIR

INVENTORY = """all:
  vars:
    ftl_tui_protected_groups: [prod]
  children:
    prod:
      hosts:
        p1: {ansible_connection: local}
"""
PLAYBOOK = """- hosts: prod
  gather_facts: false
  become: true
  tasks:
    - command: 'false'
"""


def test_a_no_to_the_protected_question_asks_no_secret(tmp_path: Path) -> None:
    (tmp_path / "inv.yml").write_text(INVENTORY)
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "pw").write_text("bpw123\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "NO_COLOR": "1"}
    base = ["-i", "inv.yml", "--state-dir", "st"]
    first = subprocess.run([sys.executable, "-m", "ftltui", "play", "pb.yml", *base, "--become-password-file", "pw",
                            "--confirm-protected"], check=False, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 2, first.stdout + first.stderr  # the job failed: a retry is possible

    code, screen = cli_in_pty([sys.executable, "-m", "ftltui", "jobs", "retry", "1", *base], b"continue:", "no",
                              cwd=tmp_path, env=env, timeout=60)
    assert "protected group prod" in screen, screen
    assert "password" not in screen.lower(), screen  # no secret asked, before or after the "no"
    assert code == 5, screen
    listed = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "list", "--json", "--state-dir", "st"],
                            check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert len(json.loads(listed.stdout)) == 1, listed.stdout  # nothing queued
