"""Task names are templated for ``TASK [...]`` as ansible-playbook 2.19 templates them
(hG session 11, finding 4): with the first host's variables, an include's loop variable
included; a part that fails is Ansible's ``<< error N - ... >>`` with the warning that
names the name's origin. ftl-tui printed every name as written (``TASK [included {{
inc_item }}]`` twice, so the matrix had two rows it could not tell apart). Compared with
ansible-playbook: the whole text from the first PLAY line (warnings included), the exit
status and the files left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import tree
from text_oracle import both, from_play, inventory

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "task_names" / "pb.yml"


def test_task_names_are_templated_as_ansible_playbook(tmp_path: Path) -> None:
    inv = inventory(tmp_path, {"h1": "hv=one", "h2": "hv=two"})
    a_rc, a_text, f_rc, f_text = both(PLAYBOOK, inv, tmp_path)
    assert "TASK [included a]" in a_text and "TASK [host one of h1]" in a_text, a_text  # the oracle's words
    assert "TASK [step << error 1 - 'item' is undefined >>]" in a_text, a_text
    assert from_play(f_text) == from_play(a_text)
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible")
    assert f_rc == a_rc == 0
