"""Against ansible-playbook: remote output that looks like a template stays text when a
later task reads it (registered, copied by set_fact, in a list). Interpreting it would let
a host run Jinja2 on the controller."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_remote_text_is_never_templated(tmp_path: Path) -> None:
    res = compare(CORPUS / "remote_text.yml", tmp_path, ["a"])
    assert_same(res)
    literal = "{{ 7 * 7 }} {% if true %}yes{% endif %}"
    assert res["ftl"][2]["a/seen"] == "\n".join([literal] * 4) + "\n"
