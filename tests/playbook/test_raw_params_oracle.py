"""A word that is no ``k=v`` argument of an action without free-form text (``fail: msg=stop
h2``: the value has an unquoted space) fails that task when it runs, as ansible-playbook
2.19 does (hG session 11, finding 12): "Action 'ansible.builtin.fail' does not support raw
params.", on the hosts that run it, the other tasks and hosts carrying on. ftl-tui refused
the whole playbook at load (exit 4, nothing run). Compared with ansible-playbook: the whole
text from the first PLAY line, the exit status and the files left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import tree
from text_oracle import both, from_play, inventory

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "raw_params" / "pb.yml"


def test_a_stray_word_fails_only_that_task_as_ansible(tmp_path: Path) -> None:
    inv = inventory(tmp_path, {"h1": "", "h2": ""})
    a_rc, a_text, f_rc, f_text = both(PLAYBOOK, inv, tmp_path)
    assert "Action 'ansible.builtin.fail' does not support raw params." in a_text, a_text  # the oracle's words
    assert from_play(f_text, tmp_path / "ftl") == from_play(a_text, tmp_path / "ansible")
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible")
    assert f_rc == a_rc == 2
