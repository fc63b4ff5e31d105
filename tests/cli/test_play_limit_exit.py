"""``play -l PATTERN`` that leaves no host exits 1 with ansible-playbook's error (hR finding 4).

A typo in ``-l`` (in CI, in a scheduled play) used to print ``skipping: no hosts matched``
and exit 0, having run nothing. ansible-playbook itself decides the expected status here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLAYBOOK = "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(FTL_TUI_HOME=str(tmp_path / "state"), HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / "atmp"))
    return env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "hosts.ini").write_text(
        f"[web]\nh1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    return tmp_path


def _play(project: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftltui", "play", "site.yml", "-i", "hosts.ini", *argv],
                          cwd=project, env=_env(project), capture_output=True, text=True, timeout=120, check=False)


def test_limit_matching_no_host_exits_1_as_ansible_playbook(project: Path) -> None:
    ours = _play(project, "-l", "nosuch")
    assert ours.returncode == 1, ours.stdout + ours.stderr
    assert "leaves us with no hosts to target" in ours.stderr
    assert "PLAY RECAP" not in ours.stdout  # stopped before any play, as ansible-playbook
    ansible = shutil.which("ansible-playbook")
    if ansible is None:
        pytest.skip("ansible-playbook is not installed")
    theirs = subprocess.run([ansible, "site.yml", "-i", "hosts.ini", "-l", "nosuch"], cwd=project,
                            env=_env(project), capture_output=True, text=True, timeout=120, check=False)
    assert theirs.returncode == ours.returncode, theirs.stdout + theirs.stderr
    assert "leaves us with no hosts to target" in theirs.stdout + theirs.stderr


def test_limit_matching_a_host_still_runs(project: Path) -> None:
    ours = _play(project, "-l", "h1")
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert "h1" in ours.stdout and "PLAY RECAP" in ours.stdout
