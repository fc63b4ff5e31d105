"""A failed ``template``/``copy`` result as ansible-playbook 2.19 shows it (hG session 11,
finding 8): Ansible's copy action adds the checksum of what was to be written to the
module's failure (destination directory missing, validate failed); ftl-tui's lacked it,
named the controller's ``src`` in a failed copy, and a failed validate had no
``stdout_lines``/``stderr_lines``. Compared with ansible-playbook: the whole text from the
first PLAY line, the exit status and the files left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import tree
from text_oracle import both, from_play, inventory

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "copy_fail" / "pb.yml"


def test_failed_copy_and_template_results_as_ansible(tmp_path: Path) -> None:
    inv = inventory(tmp_path, {"h1": ""})
    a_rc, a_text, f_rc, f_text = both(PLAYBOOK, inv, tmp_path)
    assert '"checksum": "' in a_text and '"stdout_lines": []' in a_text, a_text  # the oracle's words
    assert from_play(f_text, tmp_path / "ftl") == from_play(a_text, tmp_path / "ansible")
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible")
    assert f_rc == a_rc == 0
