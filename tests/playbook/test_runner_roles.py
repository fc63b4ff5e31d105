"""Roles against ansible-playbook: dependencies first and once per params, a role listed
twice running once, entry when/tags/params reaching the role and its dependencies, role
handlers, templates/ and files/, import_role (runs again) and import_tasks with vars,
meta/argument_specs validation (passing and refusing), become per task, and facts from
the default fact gathering."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_roles_become_facts(tmp_path: Path) -> None:
    res = compare(CORPUS / "roles.yml", tmp_path, ["a", "b"])
    assert_same(res)
    assert res["ftl"][2]["a/who"] == "nobody True root\n"  # become really switched user; facts were gathered
