"""Run-time features against ansible-playbook: include_tasks/include_role (loop, when,
vars, tasks_from), until/retries (and Ansible's attempts count), run_once, delegate_to
localhost, no_log, check_mode per task and --check, tags/--skip-tags (always, never),
meta end_host/end_play."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

from ftltui.playbook.options import PlayOptions

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")
HOSTS = ["a", "b", "c"]


def test_features(tmp_path: Path) -> None:
    res = compare(CORPUS / "features.yml", tmp_path, HOSTS)
    assert_same(res)
    assert res["ftl"][2]["a/attempts"] == "3 2 True\n"  # retries=2 ran 3 times, reported 2, as Ansible
    secret_task = {e.task_id for e in res["events"] if type(e).__name__ == "TaskStarted" and e.label == "secret"}
    shown = [e for e in res["events"] if type(e).__name__ == "HostTaskResult" and e.task_id in secret_task]
    assert len(shown) == 3 and not any("s3cret" in repr(e.result) for e in shown)
    assert all(e.result["censored"].startswith("the output has been hidden") for e in shown)
    assert res["ftl"][2]["a/secret"] == "s3cret\n"  # the registered value keeps the real output


def test_tags_and_skip_tags(tmp_path: Path) -> None:
    res = compare(CORPUS / "features.yml", tmp_path, HOSTS, "-t", "one,special", "--skip-tags", "two",
                  options=PlayOptions(tags=("one,special",), skip_tags=("two",)))
    assert_same(res)


def test_check_mode(tmp_path: Path) -> None:
    res = compare(CORPUS / "features.yml", tmp_path, HOSTS, "--check", options=PlayOptions(check=True))
    assert_same(res)
