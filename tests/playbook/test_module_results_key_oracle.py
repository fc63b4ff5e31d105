"""A module that returns its own ``results`` key, against ansible-playbook 2.19: not a
list (text, a mapping), ansible renames it ``ansible_module_results`` with a warning; a
list of anything is the module's own result, printed as any other (``changed: [h1]``),
not a loop's items. ftl-tui stopped with exit 250 (an internal AttributeError: every
``results`` was read as a loop's per-item dicts) or printed no status line.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from test_play_cli import FTL, run

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

MODULE = """\
#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

SHAPES = {"text": "not a list", "mapping": {"k": 1}, "list": [1, "x", None]}
module = AnsibleModule(argument_spec=dict(shape=dict(type="str", required=True)))
module.exit_json(changed=True, results=SHAPES[module.params["shape"]])
"""
BOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - own_results: shape={shape}
      register: r
    - debug: var=r.{key}
    - debug: var=r.{more}
    - own_results: shape={shape}
      no_log: true
"""


@pytest.mark.parametrize("shape, key, more", [("text", "ansible_module_results", "warnings"),
                                              ("mapping", "ansible_module_results", "warnings"),
                                              ("list", "results", "changed")])
def test_a_modules_own_results_key_is_handled_as_ansible_playbook(tmp_path: Path, shape: str, key: str,
                                                                  more: str) -> None:
    (tmp_path / "inv.ini").write_text(f"h1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "home").mkdir()
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "own_results.py").write_text(MODULE)
    (tmp_path / "site.yml").write_text(BOOK.format(shape=shape, key=key, more=more))
    theirs = run(tmp_path, ["ansible-playbook"], "site.yml", "-i", "inv.ini")
    ours = run(tmp_path, FTL, "site.yml", "-i", "inv.ini", "--state-dir", str(tmp_path / "state"))
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
