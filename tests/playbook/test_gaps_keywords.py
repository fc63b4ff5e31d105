"""The keywords of issue 15's list that no other corpus runs, against ansible-playbook
(the feature table in docs/playbooks.md names this test for them): post_tasks, pause
(task and loop_control.pause), loop_control.extended, with_dict, with_fileglob,
with_together, with_sequence, timeout, throttle, set_fact cacheable, include_tasks
apply, wait_for_connection, set_stats, the action/local_action/args forms at run time.
Recap, exit status and every file left behind must agree; also under --check."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

from ftltui.playbook.options import PlayOptions

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_remaining_keywords_equal_ansible_playbook(tmp_path: Path) -> None:
    res = compare(CORPUS / "keywords_rest.yml", tmp_path, ["a", "b"])
    assert_same(res)
    files = res["ftl"][2]
    assert files["a/ext-y"].split() == ["y", "2", "1", "2", "False", "False", "3", "x", "z", "xyz"]
    assert files["b/applied"] == "from-apply all\n" and files["a/post"] == "post after tasks\n"
    assert {k for k in files if k.startswith("a/seq-")} == {"a/seq-n01", "a/seq-n03", "a/seq-n05"}
    # pause ran for a only (b has no result), as Ansible's pause bypasses the host loop
    assert (files["a/args"], files["b/args"]) == ("args  False a True\n", "args none False b True\n")


def test_remaining_keywords_in_check_mode(tmp_path: Path) -> None:
    assert_same(compare(CORPUS / "keywords_rest.yml", tmp_path, ["a", "b"], "--check",
                        options=PlayOptions(check=True)))
