"""Variables in the runner against ansible-playbook: the precedence order, role defaults
and vars (public to the play), role params, vars_files (with per-host alternatives),
include_vars, set_fact/register across plays, extra vars, the magic variables,
gathered facts, omit, and template files rendered with all of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

from ftltui.playbook.options import PlayOptions

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")

INVENTORY = """
[grp]
a v_inv=host_a v_def_vs_inv=inventory
b v_inv=host_b v_def_vs_inv=inventory
[grp:vars]
v_grp=group
v_inv_vs_play=inventory
"""


def test_precedence_magic_vars_and_facts(tmp_path: Path) -> None:
    res = compare(CORPUS / "precedence.yml", tmp_path, ["a", "b"], "-e", "v_extra=extra",
                  options=PlayOptions(extra_vars={"v_extra": "extra"}), inventory_extra=INVENTORY)
    assert_same(res)
    assert "set_fact_loses" not in res["ftl"][2]["a/play-view"]  # the test can tell the layers apart
