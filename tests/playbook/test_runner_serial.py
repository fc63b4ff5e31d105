"""Batches and stopping rules against ansible-playbook: serial (list, percentage),
handlers per batch and meta: flush_handlers, handlers of failed hosts and
force_handlers, any_errors_fatal and max_fail_percentage (both end the playbook)."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")
HOSTS = ["a", "b", "c", "d"]


def test_serial_handlers_any_errors_fatal(tmp_path: Path) -> None:
    res = compare(CORPUS / "serial.yml", tmp_path, HOSTS)
    assert_same(res)
    assert res["ftl"][2]["b/batch"] == "b,c|a,b,c,d\n"  # the batches were real


def test_max_fail_percentage(tmp_path: Path) -> None:
    assert_same(compare(CORPUS / "maxfail.yml", tmp_path, HOSTS))
