"""Ad-hoc arguments, the ``template`` module and workflow steps have the filters playbooks
have (hR #2): ``run -a 'echo {{ "abc" | b64encode }}'`` failed with "No filter named
'b64encode'" where ``ansible`` prints ``YWJj``. Outcomes compared with ``ansible`` on the
same arguments and template; the real CLI on localhost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

EXPR = '{{ "abc" | b64encode }} {{ {"a": 1} | to_json }} {{ "a.b" | regex_replace("[.]", "-") }} ' \
       '{{ "x" | ansible.builtin.to_json }}'
EXPECTED = 'YWJj {"a": 1} a-b "x"'


def _run(work: Path, *cmd: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "FTL_TUI"))}
    env.update(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1", NO_COLOR="1", HOME=str(work),
               FTL_TUI_HOME=str(work / "state"))
    return subprocess.run(list(cmd), check=False, cwd=work, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def test_run_template_and_workflow_steps_have_the_playbook_filters(tmp_path: Path) -> None:
    (tmp_path / "inv.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "t.j2").write_text(EXPR + "\n")
    ftl = (sys.executable, "-m", "ftltui", "run", "localhost", "-i", "inv.ini")
    ans = ("ansible", "localhost", "-i", "inv.ini")

    for tool, cmd in (("ansible", ans), ("ftl", ftl)):
        shell = _run(tmp_path, *cmd, "-m", "shell", "-a", f"echo '{EXPR}' > {tool}.shell")
        assert shell.returncode == 0, (tool, shell.stdout + shell.stderr)
        tpl = _run(tmp_path, *cmd, "-m", "template", "-a", f"src=t.j2 dest={tmp_path}/{tool}.tpl")
        assert tpl.returncode == 0, (tool, tpl.stdout + tpl.stderr)
    for kind in ("shell", "tpl"):
        assert (tmp_path / f"ftl.{kind}").read_text() == (tmp_path / f"ansible.{kind}").read_text() == EXPECTED + "\n"

    (tmp_path / "wf.yml").write_text(f"name: enc\nhosts: localhost\nsteps:\n  - name: enc\n    module: shell\n"
                                     f"    args: {{cmd: \"echo '{EXPR.replace(chr(34), chr(92) + chr(34))}' > wf.out\","
                                     f" chdir: \"{tmp_path}\"}}\n")
    wf = _run(tmp_path, sys.executable, "-m", "ftltui", "play", "wf.yml", "-i", "inv.ini")
    assert wf.returncode == 0, wf.stdout + wf.stderr
    assert (tmp_path / "wf.out").read_text() == EXPECTED + "\n"
