"""Oracle: every filter, test and lookup case rendered by ansible-playbook and by Templar.

One ansible-playbook run evaluates all cases (a ``set_fact`` loop with ``ignore_errors``,
registered and written out as JSON); the same cases go through
:class:`ftltui.templating.Templar` over the same variables and files. Values must be
equal after a JSON round trip; a case Ansible fails on must fail here too (TemplateError).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftltui.errors import TemplateError
from ftltui.templating import Templar

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="needs ansible-playbook")

sys.path.insert(0, str(Path(__file__).parent))
from test_jinja_cases import CASES, FILES, SAME_MESSAGE, VARS

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars_files: [vars.yml]
  tasks:
    - name: evaluate every case
      set_fact:
        res: "{{ lookup('vars', 'case_' ~ item) }}"
      loop: "{{ case_ids }}"
      register: r
      ignore_errors: true
    - name: write the results
      copy:
        dest: "{{ playbook_dir }}/results.json"
        content: "{{ r.results | to_json }}"
"""


def _tree(root: Path) -> None:
    root.mkdir()
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _variables() -> dict[str, Any]:
    variables = dict(VARS)
    for case_id, template in CASES:
        variables[f"case_{case_id}"] = template
    variables["case_ids"] = [c for c, _ in CASES]
    return variables


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """{case_id: ("ok", value) | ("failed", message)} from ansible-playbook."""
    base = tmp_path_factory.mktemp("oracle")
    ans = base / "ansible"
    _tree(ans)
    _tree(base / "ftl")
    (ans / "vars.yml").write_text(yaml.safe_dump(_variables(), sort_keys=False))
    (ans / "site.yml").write_text(PLAYBOOK)
    (ans / "ansible.cfg").write_text("[defaults]\n")  # the cwd's config wins over any other
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_DEPRECATION_WARNINGS": "0",
           "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
           "FTL_ORACLE_ENV": "from the environment"}
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "site.yml",
                           "-e", f"ansible_python_interpreter={sys.executable}"],
                          cwd=ans, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert (ans / "results.json").exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    out: dict[str, Any] = {}
    for entry in json.loads((ans / "results.json").read_text()):
        if entry.get("failed"):
            out[entry["item"]] = ("failed", entry.get("msg", ""))
        else:
            out[entry["item"]] = ("ok", entry["ansible_facts"]["res"])
    out["_base"] = base
    return out


@pytest.mark.parametrize("case_id,template", CASES, ids=[c for c, _ in CASES])
def test_same_as_ansible(oracle: dict[str, Any], case_id: str, template: str,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTL_ORACLE_ENV", "from the environment")
    base: Path = oracle["_base"]
    templar = Templar(_variables(), base_dir=base / "ftl")
    kind, expected = oracle[case_id]
    if kind == "failed":
        with pytest.raises(TemplateError) as err:
            templar.render(template)
        if case_id in SAME_MESSAGE:
            assert err.value.message == expected.split("Error while resolving value for 'res': ")[-1]
        return
    got = templar.render(template)
    assert _plain(got) == expected, f"{template!r}: ftl-tui {got!r} != ansible {expected!r}"


def test_password_files_left_behind(oracle: dict[str, Any]) -> None:
    """The password lookup's files (created, read back) are the same after both runs."""
    base: Path = oracle["_base"]
    for case_id, _ in CASES:  # render every case first so the ftl side writes its files
        try:
            Templar(_variables(), base_dir=base / "ftl").render(dict(CASES)[case_id])
        except TemplateError:
            pass
    for path in sorted((base / "ansible" / "secrets").rglob("*")):
        mine = base / "ftl" / path.relative_to(base / "ansible")
        assert mine.exists(), mine
        if path.is_file():
            assert mine.read_text() == path.read_text(), path.name
            assert oct(mine.stat().st_mode & 0o777) == oct(path.stat().st_mode & 0o777), path.name
