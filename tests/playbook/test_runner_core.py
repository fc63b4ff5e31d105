"""The runner against ansible-playbook: the same corpus playbook, the same local hosts;
recap per host, exit status and every file the tasks left behind must agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_core_linear_strategy(tmp_path: Path) -> None:
    """when, register, changed_when/failed_when, ignore_errors, loops with loop_control,
    set_fact/assert/fail/debug, a failed host leaving the play (and the next play),
    block/rescue/always with ansible_failed_result, handlers by name and listen, in
    declaration order, the recap counts and exit status 2."""
    assert_same(compare(CORPUS / "core.yml", tmp_path, ["a", "b", "c"]))
