"""The text ``ftl-tui run`` prints for a module's result is the body ``ansible`` prints.

ansible-core 2.19's callbacks leave ``failed`` out of the body (the FAILED! word says it),
print warnings and deprecations as their own lines instead of in the body, and show the
exception only as a traceback: "(traceback unavailable)" (below -vvv) never appears.
ftl-tui printed all four in the body. ``--json`` keeps the whole result, as Ansible's JSON
callback does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")]

MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={'mode': {}}, supports_check_mode=True)
m.warn('careful now')
m.deprecate('old option', version='9.0.0', collection_name='ftl.txt')
if m.params['mode'] == 'fail':
    m.fail_json(msg='it failed', detail=1)
if m.params['mode'] == 'raise':
    raise ValueError('boom inside')
m.exit_json(changed=True, detail=2)
"""


def _body(stdout: str) -> dict:
    """The JSON after ``localhost | WORD =>``."""
    head = next(line for line in stdout.splitlines() if line.startswith("localhost | "))
    start = stdout.index(head) + len(head.split("=>")[0]) + 2
    return json.loads(stdout[start:stdout.rindex("}") + 1])


def test_result_body_is_ansibles(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    cdir = root / "ansible_collections" / "ftl" / "txt"
    (cdir / "plugins" / "modules").mkdir(parents=True)
    (cdir / "galaxy.yml").write_text("namespace: ftl\nname: txt\nversion: 1.0.0\n")
    (cdir / "plugins" / "modules" / "said.py").write_text(MODULE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               NO_COLOR="1")
    for mode in ("ok", "fail", "raise"):
        theirs = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", "ftl.txt.said",
                                 "-a", f"mode={mode}"], capture_output=True, text=True, env=env, cwd=tmp_path,
                                timeout=120, check=False)
        ours = subprocess.run([sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m",
                               "ftl.txt.said", "-a", f"mode={mode}"], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120, check=False)
        assert theirs.returncode == ours.returncode, (mode, ours.stdout, ours.stderr)
        assert _body(ours.stdout) == _body(theirs.stdout), mode
    ours = subprocess.run([sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m",
                           "ftl.txt.said", "-a", "mode=fail", "--json"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)
    finished = [json.loads(line) for line in ours.stdout.splitlines() if '"host.finished"' in line]
    result = finished[0]["result"]["result"]
    assert result["failed"] is True and result["warnings"] == ["careful now"] and result["deprecations"]
