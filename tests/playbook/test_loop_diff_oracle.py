"""``--diff`` with a loop prints each item's diff right before that item's line, as
ansible-playbook 2.19 does (hG session 11, finding 5): ftl-tui printed every item's
line first and then all the diffs, so with several hosts a diff could not be matched
to its item or host. Compared with ansible-playbook (``-D``, and ``-C -D``): the whole
text from the first PLAY line, the exit status and the files left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import tree
from text_oracle import ansible_text, from_play, ftl_text, inventory

from ftltui.playbook.options import PlayOptions

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "loop_diff" / "pb.yml"


@pytest.mark.parametrize("check", [False, True], ids=["diff", "check-diff"])
def test_each_items_diff_comes_before_its_line(tmp_path: Path, check: bool) -> None:
    inv = inventory(tmp_path, {"h1": "", "h2": ""})
    for side in ("ansible", "ftl"):
        (tmp_path / side).mkdir()
        if check:  # the file the check-mode lineinfile would change
            for h in ("h1", "h2"):
                (tmp_path / side / f"{h}-kept").write_text("kept\n")
    a_rc, a_text = ansible_text(PLAYBOOK, inv, tmp_path / "ansible", "-D", *(["-C"] if check else []))
    f_rc, f_text = ftl_text(PLAYBOOK, inv, tmp_path / "ftl", PlayOptions(diff=True, check=check))
    assert "+a on h1\n\nchanged: [h1] => (item=a)" in a_text, a_text  # the oracle's order
    assert from_play(f_text, tmp_path / "ftl") == from_play(a_text, tmp_path / "ansible")
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible")
    assert f_rc == a_rc == 0
