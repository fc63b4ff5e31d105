"""``ANSIBLE_MODULE_ARGS`` carries what ansible-core 2.19 passes a module: the same ``_ansible_*``
keys and values, in normal and in check+diff mode.

A library module prints the parameters ``basic._load_params()`` read; ``ansible`` and ``ftl-tui
run`` run it on localhost. The temporary directory differs by nature (its path), but both end
it with a slash and both make it exist for the module.
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

DUMP = """#!/usr/bin/python
import json, os
from ansible.module_utils import basic
p = basic._load_params()
tmp = p.pop('_ansible_tmpdir', '') or '/nonexistent'
p['tmpdir_exists'], p['tmpdir_slash'] = os.path.isdir(tmp), tmp.endswith('/')
# renamed: both sides' output leaves out keys that start with _ansible_, at any depth
print(json.dumps({'changed': False, 'got': {k.replace('_ansible_', 'A_'): v for k, v in p.items()}}))
raise SystemExit(0)  # printed by hand: exit_json would drop the _ansible_ keys
"""


def _got(stdout: str) -> dict:
    return json.loads(stdout[stdout.index("{"):stdout.rindex("}") + 1])["got"]


@pytest.mark.parametrize("flags", [[], ["-C", "-D"]])
def test_module_args_are_ansibles(tmp_path: Path, flags: list[str]) -> None:
    lib = tmp_path / "library"
    lib.mkdir()
    (lib / "argsdump.py").write_text(DUMP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LIBRARY=str(lib), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0")
    tail = ["-m", "argsdump", "-a", "a=1 b=two", "-o", *flags]
    theirs = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", *tail], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    ours = subprocess.run([sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", *tail],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    want, got = _got(theirs.stdout), _got(ours.stdout)
    assert want["tmpdir_exists"] is True and want["tmpdir_slash"] is True
    assert want["A_check_mode"] is bool(flags) and want["A_diff"] is bool(flags) and want["A_version"]
    assert got == want

