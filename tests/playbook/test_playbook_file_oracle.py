"""The playbook file itself, checked against ansible-playbook 2.19 (issue 15's exit codes):
a file that does not exist or is a directory is ansible-playbook's exit 1 with its own
words, a file it cannot read or that holds no YAML document its exit 4, in every mode
(run, ``--syntax-check``, ``--list-tasks``). ftl-tui read each as a workflow file:
exit 4 ("cannot read workflow") or 5 ("--syntax-check: for playbooks only").
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from test_play_cli import FTL, run

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

PLAY = "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "inv.ini").write_text(f"h1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "home").mkdir()
    (tmp_path / "adir").mkdir()
    (tmp_path / "empty.yml").write_text("")
    (tmp_path / "comments.yml").write_text("# nothing here yet\n---\n")
    return tmp_path


@pytest.mark.parametrize("mode", [[], ["--syntax-check"], ["--list-tasks"]], ids=["run", "syntax", "list"])
@pytest.mark.parametrize("name", ["nothere.yml", "adir", "empty.yml", "comments.yml"])
def test_a_playbook_file_that_is_missing_a_directory_or_empty_exits_as_ansible_playbook(
        work: Path, name: str, mode: list[str]) -> None:
    theirs = run(work, ["ansible-playbook"], name, "-i", "inv.ini", *mode)
    ours = run(work, FTL, name, "-i", "inv.ini", *mode)
    assert theirs.returncode in (1, 4), theirs.stdout + theirs.stderr
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root reads any file")
def test_a_playbook_file_that_cannot_be_read_exits_4_as_ansible_playbook(work: Path) -> None:
    """Root reads a mode-000 file; without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH it cannot,
    as any other user."""
    book = work / "locked.yml"
    book.write_text(PLAY)
    book.chmod(0)
    drop = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else [])
    for mode in ([], ["--syntax-check"]):
        theirs = run(work, [*drop, "ansible-playbook"], "locked.yml", "-i", "inv.ini", *mode)
        ours = run(work, [*drop, *FTL], "locked.yml", "-i", "inv.ini", "--state-dir", str(work / "state"), *mode)
        assert theirs.returncode == 4 and "Permission denied" in theirs.stderr, theirs.stdout + theirs.stderr
        assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
