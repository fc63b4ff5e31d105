"""``loop_control.break_when`` (ansible-core 2.18) ends a loop after the item whose
conditions all hold, as ansible-playbook does: ftl-tui's loader accepted the option and
the runner ignored it, running every item (session 11 audit of issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import assert_same, compare

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "break_when.yml"


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook (the oracle) is not installed")
@pytest.mark.timeout(300)
def test_break_when_ends_the_loop_as_ansible_playbook(tmp_path: Path) -> None:
    res = compare(PLAYBOOK, tmp_path, ["h1", "h2"])
    files = res["ansible"][2]
    assert files.get("h1-ran") == '["a", "b"] True\n' and files.get("h2-ran") == '["a"] True\n', files
    assert files.get("h1-seen") == "[1, 2] ['x', 'y']\n", files
    assert_same(res)
