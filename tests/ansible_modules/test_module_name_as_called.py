"""``_ansible_module_name`` is the name the task called the module by, as Ansible passes it.

ansible-core 2.19 sends ``self._task.action`` (``expect``, ``ansible.legacy.expect``, a
collection's old redirected name), not the resolved FQCN. Modules read it as
``module._name``: basic.py's check-mode skip message quotes it ("remote module (expect)
does not support check mode"), and renamed modules test it to keep their old behaviour.
The oracle is ``ansible`` with the JSON callback on the same calls.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from collhelp import json_env

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")]

ECHO = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={}, supports_check_mode=True)
m.exit_json(changed=False, called=m._name)
"""


def _ansible(env: dict[str, str], cwd: Path, module: str, args: str, check: bool) -> dict:
    proc = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", module, "-a", args,
                           *(["-C"] if check else [])], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120, check=False)
    return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


def _ftl(env: dict[str, str], cwd: Path, module: str, args: str, check: bool) -> dict:
    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m", module,
                           "-a", args, "--json", *(["-C"] if check else [])], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120, check=False)
    finished = [json.loads(line) for line in proc.stdout.splitlines() if '"host.finished"' in line]
    assert len(finished) == 1, proc.stdout + proc.stderr
    return finished[0]["result"]["result"]


def test_module_name_is_the_called_name_as_ansible_passes_it(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    cdir = root / "ansible_collections" / "ftl" / "named"
    (cdir / "plugins" / "modules").mkdir(parents=True)
    (cdir / "meta").mkdir()
    (cdir / "galaxy.yml").write_text("namespace: ftl\nname: named\nversion: 1.0.0\n")
    (cdir / "meta" / "runtime.yml").write_text("plugin_routing:\n  modules:\n    old_name:\n"
                                               "      redirect: ftl.named.echo\n")
    (cdir / "plugins" / "modules" / "echo.py").write_text(ECHO)
    env = json_env(root, tmp_path)
    for name in ("ftl.named.old_name", "ftl.named.echo"):
        want = _ansible(env, tmp_path, name, "", False)["called"]
        assert want == name
        assert _ftl(env, tmp_path, name, "", False)["called"] == want, name
    for name in ("expect", "ansible.legacy.expect", "ansible.builtin.expect"):
        want = _ansible(env, tmp_path, name, "command=true responses={}", True)["msg"]
        assert want == f"remote module ({name}) does not support check mode"
        assert _ftl(env, tmp_path, name, "command=true responses={}", True)["msg"] == want, name
