"""Against ansible-playbook: an unreachable host (a loopback port the test closed) with
ignore_unreachable and exit status 4; vars_prompt answered by -e or defaulted when
nobody can answer; --start-at-task; strategy: free."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ftltui.playbook.options import PlayOptions
from runner_oracle import CORPUS, assert_same, compare

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from netutil import closed_port  # noqa: E402

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_unreachable_host(tmp_path: Path) -> None:
    extra = f"u ansible_host=127.0.0.1 ansible_port={closed_port()} ansible_connection=ssh ansible_user=nobody\n"
    res = compare(CORPUS / "unreachable.yml", tmp_path, ["a"], inventory_extra=extra)
    assert_same(res)
    assert res["ftl"][0] == 4 and res["ftl"][1]["u"]["unreachable"] == 1


def test_prompts_start_at_task_free_strategy(tmp_path: Path) -> None:
    res = compare(CORPUS / "misc.yml", tmp_path, ["a", "b"], "-e", "answered=yes", "--start-at-task", "start here",
                  options=PlayOptions(extra_vars={"answered": "yes"}, start_at_task="start here"))
    assert_same(res)
    assert res["ftl"][2]["a/log"] == "yes the-default\non\n"
