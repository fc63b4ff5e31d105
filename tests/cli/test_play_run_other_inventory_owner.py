"""``play -i OTHER`` and ``run -i OTHER`` while an owner serves another inventory (hG
session 11, finding 3). ``play`` failed with "state directory is in use by pid N; open it
read-only or wait", which names neither inventory and points at options that do not help;
``run`` silently ran in its own process. Now ``play`` is refused naming both inventories
and what to do (exit 4), as ``jobs retry -i`` names both; ``run``, which needs no state
directory (docs/api.md), still runs here and says so on stderr, naming both. A real daemon.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ownerhelp import daemon_owner, ftl_at  # noqa: F401 (daemon_owner: the fixture owner)


def test_play_on_another_inventory_is_refused_naming_both(tmp_path: Path, owner: subprocess.Popen[str]) -> None:
    (tmp_path / "other.ini").write_text(f"l1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "site.yml").write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n")
    played = ftl_at(tmp_path, "play", "-i", "other.ini", "site.yml")
    assert played.returncode == 4, played.stderr
    err = played.stderr
    assert f"the owner (pid {owner.pid})" in err and "serves inventory localhost," in err, err
    assert "this play names other.ini" in err and "-i localhost," in err and "another --state-dir" in err, err
    assert "open it read-only or wait" not in err, err
    assert json.loads(ftl_at(tmp_path, "jobs", "list", "--json").stdout) == []  # nothing queued


def test_run_on_another_inventory_runs_here_and_says_so(tmp_path: Path, owner: subprocess.Popen[str]) -> None:
    (tmp_path / "other.ini").write_text(f"l1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    ran = ftl_at(tmp_path, "run", "-i", "other.ini", "l1", "-m", "ping")
    assert ran.returncode == 0, ran.stderr
    assert "l1 | SUCCESS" in ran.stdout
    assert f"note: the owner (pid {owner.pid})" in ran.stderr and "this run names other.ini" in ran.stderr
    assert "runs in this process, not as the owner's job" in ran.stderr, ran.stderr
    assert json.loads(ftl_at(tmp_path, "jobs", "list", "--json").stdout) == []
