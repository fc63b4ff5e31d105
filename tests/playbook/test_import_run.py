"""issue 15: ``import_playbook`` at run time against ansible-playbook (the loader and listing
tests only compare the parsed plays). A playbook imports two others: one with ``vars`` on the
import (overriding the imported play's vars), one with ``when`` on the import (applied to every
task of the imported plays). Recap, exit status and every file left behind must agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_oracle import CORPUS, assert_same, compare

pytestmark = pytest.mark.skipif(__import__("shutil").which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")


def test_import_playbook_run_equals_ansible_playbook(tmp_path: Path) -> None:
    res = compare(CORPUS / "imports" / "main.yml", tmp_path, ["a", "b"])
    assert_same(res)
    files = res["ftl"][2]
    assert files["a/one"] == files["b/one"] == "from-import\n"
    assert files["a/two"] == "two\n" and "b/two" not in files
    assert res["ftl"][1]["b"]["skipped"] == 2
