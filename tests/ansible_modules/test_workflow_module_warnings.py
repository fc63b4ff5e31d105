"""A workflow's module warnings and deprecations on the CLI, as ``run`` and ansible-playbook print them.

``ftl-tui play WORKFLOW.yml`` and ``ftl-tui jobs logs N`` (and ``-f``) printed none of a
workflow step's module warnings or deprecations (issue 14, from hB session 11), though the
job log records them and the console's Logs pane shows them. Now each text is printed once
per command, in Ansible's words (``[WARNING]: ...``, ``[DEPRECATION WARNING]: ...``):
``play`` on stderr as ansible-playbook does, ``jobs logs`` among the log's lines. The
oracle is ansible-playbook on a playbook with the same two modules on the same two hosts
(tests/ansible_modules/collhelp.py has the module); a client of a live
owner (a real daemon) prints the same as the command alone. ``ftl-tui run`` printed each
text once per host; ``ansible`` prints it once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from collhelp import noisy_collection, warning_lines
from daemonhelp import FTL, serving_daemon

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")]

def test_workflow_warnings_once_in_ansibles_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    noisy_collection(tmp_path / "colls")
    inventory = tmp_path / "two.ini"
    inventory.write_text("".join(f"{h} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                                 for h in ("a", "b")))
    (tmp_path / "two.yml").write_text("- hosts: all\n  gather_facts: false\n  tasks:\n"
                                      "    - ftl.dep.noisy: {}\n    - ftl.dep.old_noisy: {}\n")
    (tmp_path / "wf.yml").write_text("name: f\nhosts: all\nsteps:\n  - name: one\n    module: ftl.dep.noisy\n"
                                     "  - name: two\n    module: ftl.dep.old_noisy\n    depends_on: [one]\n")
    for name in [k for k in os.environ if k.startswith("ANSIBLE_")]:
        monkeypatch.delenv(name)
    env = {"ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "colls"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_DEPRECATION_WARNINGS": "1",
           "NO_COLOR": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the daemon below inherits them too

    def run(*argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(list(argv), capture_output=True, text=True, cwd=tmp_path, timeout=180, check=False)
        assert proc.returncode == code, proc.stdout + proc.stderr
        return proc

    want = warning_lines(run("ansible-playbook", "-i", str(inventory), "two.yml").stderr)
    assert len(want) == 4 and len(set(want)) == 4, want  # two hosts, two tasks: each text once
    adhoc = warning_lines(run("ansible", "all", "-i", str(inventory), "-m", "ftl.dep.noisy").stderr)
    assert len(adhoc) == 3 and len(set(adhoc)) == 3, adhoc  # two hosts: each text once

    def ftl(state: Path, *argv: str) -> subprocess.CompletedProcess[str]:
        return run(*FTL, *argv, "--state-dir", str(state))

    def check(state: Path, job: str) -> None:
        played = ftl(state, "play", "-i", str(inventory), "wf.yml")
        assert f"job {job}: succeeded" in played.stdout, played.stdout
        assert sorted(warning_lines(played.stderr)) == sorted(want), played.stderr  # on stderr, as ansible-playbook
        assert warning_lines(played.stdout) == []
        for follow in ((), ("-f",)):
            logs = ftl(state, "jobs", "logs", job, *follow)
            assert sorted(warning_lines(logs.stdout)) == sorted(want), (follow, logs.stdout)
        ran = ftl(state, "run", "-i", str(inventory), "all", "-m", "ftl.dep.noisy")  # it printed each per host
        assert warning_lines(ran.stderr) == adhoc and "note:" not in ran.stderr, ran.stderr  # owned: the owner's job

    check(tmp_path / "alone", "1")  # this process runs the queue
    # a playbook job's log: each host's lines, a deprecation under its own label (it read '[WARNING]: ')
    ftl(tmp_path / "alone", "play", "-i", str(inventory), "two.yml")  # job 2
    logged = ftl(tmp_path / "alone", "jobs", "logs", "2").stdout
    assert set(warning_lines("\n".join(line.split(" | ", 1)[-1] for line in logged.splitlines()))) == set(want), logged
    owner = serving_daemon(tmp_path / "owned", inventory=str(inventory))
    next(owner)
    try:
        check(tmp_path / "owned", "1")  # a client of the daemon: the same lines
    finally:
        next(owner, None)
