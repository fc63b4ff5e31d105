"""``hosts:`` whose template fails when its play starts, against ansible-playbook 2.19:
it stops the whole run there with exit 4 and no recap, and says which keyword and where
its value was written (``Error processing keyword 'hosts': ...`` then ``Origin:
file:line:col`` and the lines above it). ftl-tui printed a bare ``[ERROR]: 'nope' is
undefined`` after a recap and exited 1.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from test_play_cli import FTL, run

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

BOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg=first
- name: second
  hosts: {hosts}
  gather_facts: false
  tasks:
    - debug: msg=never
"""


@pytest.mark.parametrize("hosts", ['"{{ nope }}"', "web{{ suffix }}", "'{{ groups.nogroup[0] }}'"],
                         ids=["undefined", "inside-a-pattern", "missing-attribute"])
def test_hosts_that_cannot_be_templated_stop_the_run_as_ansible_playbook(tmp_path: Path, hosts: str) -> None:
    (tmp_path / "inv.ini").write_text(f"h1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "home").mkdir()
    (tmp_path / "site.yml").write_text(BOOK.format(hosts=hosts))
    theirs = run(tmp_path, ["ansible-playbook"], "site.yml", "-i", "inv.ini")
    ours = run(tmp_path, FTL, "site.yml", "-i", "inv.ini", "--state-dir", str(tmp_path / "state"))
    assert theirs.returncode == 4 and "Error processing keyword 'hosts'" in theirs.stderr, theirs.stderr
    assert "PLAY RECAP" not in theirs.stdout
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
