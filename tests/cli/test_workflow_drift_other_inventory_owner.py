"""``play WORKFLOW.yml -i OTHER`` and ``drift scan -i OTHER`` while an owner serves another
inventory (issue 16, from hM1 session 11). Both failed with the generic "state directory
is in use by pid N; open it read-only or wait" (the client fell back to running here, on
the directory the owner holds), naming neither inventory and pointing at options that do
not help. Now both are refused naming both inventories and what to do, as a playbook's
``play -i OTHER`` is (81d33d8, tests/cli/test_play_run_other_inventory_owner.py): exit 4
for play, 2 (drift's error) for the scan, and nothing is queued. A real daemon.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ownerhelp import daemon_owner, ftl_at  # noqa: F401 (daemon_owner: the fixture owner)


def _assert_refused_naming_both(err: str, pid: int, action: str) -> None:
    assert f"the owner (pid {pid})" in err and "serves inventory localhost," in err, err
    assert f"this {action} names other.ini" in err, err
    assert f"the owner runs a {action} only on its own inventory" in err, err
    assert "-i localhost," in err and "another --state-dir" in err, err
    assert "in use" not in err and "open it read-only or wait" not in err, err


@pytest.mark.parametrize("argv,action,code", [
    (("play", "-i", "other.ini", "flow.yml"), "play", 4),
    (("drift", "scan", "all", "-i", "other.ini"), "drift scan", 2),
], ids=["workflow", "drift-scan"])
def test_refused_naming_both_inventories(tmp_path: Path, owner: subprocess.Popen[str], argv: tuple[str, ...],
                                         action: str, code: int) -> None:
    (tmp_path / "other.ini").write_text(f"l1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "flow.yml").write_text("name: f\nhosts: all\nsteps:\n  - name: a\n    module: ping\n")
    done = ftl_at(tmp_path, *argv)
    assert done.returncode == code, (done.returncode, done.stderr)
    _assert_refused_naming_both(done.stderr, owner.pid, action)
    assert done.stdout == ""
    assert json.loads(ftl_at(tmp_path, "jobs", "list", "--json").stdout) == []  # nothing queued, nothing run
