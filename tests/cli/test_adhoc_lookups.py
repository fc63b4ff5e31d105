"""Ad-hoc arguments have the lookups a playbook has (``lookup``, ``query``, ``q``):
``run -a "msg={{ lookup('env','HOME') }}"`` failed with "'lookup' is undefined" where
``ansible`` prints the value. Compared with ``ansible`` on the same arguments (the real
CLI on localhost); a failing lookup fails the host (exit 2) in both. Facts stay data: a
fact holding a lookup is printed, never run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.engine.templating import host_context, render_args
from ftltui.inventory.model import Host

ansible = pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")
pytestmark = pytest.mark.timeout(600)

ARGS = "echo {{ lookup('env', 'FTLX') }} {{ lookup('file', 'f.txt') }} {{ query('env', 'FTLX') | length }} " \
       "{{ q('env', 'FTLX', 'FTLY') | join('+') }}"


def _run(work: Path, *cmd: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "FTL_TUI"))}
    env.update(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1", NO_COLOR="1", HOME=str(work),
               FTL_TUI_HOME=str(work / "state"), FTLX="ex", FTLY="why")
    return subprocess.run(list(cmd), check=False, cwd=work, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


@ansible
def test_adhoc_lookups_as_ansible(tmp_path: Path) -> None:
    (tmp_path / "inv.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "f.txt").write_text("from-file\n")
    ftl = (sys.executable, "-m", "ftltui", "run", "localhost", "-i", "inv.ini")
    ans = ("ansible", "localhost", "-i", "inv.ini")
    for tool, cmd in (("ansible", ans), ("ftl", ftl)):
        shell = _run(tmp_path, *cmd, "-m", "shell", "-a", f"{ARGS} > {tool}.out")
        assert shell.returncode == 0, (tool, shell.stdout + shell.stderr)
        bad = _run(tmp_path, *cmd, "-m", "debug", "-a", "msg={{ lookup('file', 'missing.txt') }}")
        assert bad.returncode == 2, (tool, bad.stdout + bad.stderr)
        assert "lookup plugin 'file' failed" in bad.stdout + bad.stderr, tool
    assert (tmp_path / "ftl.out").read_text() == (tmp_path / "ansible.out").read_text() == "ex from-file 1 ex+why\n"


def test_a_fact_holding_a_lookup_is_data(tmp_path: Path) -> None:
    """A host's facts are what the host says: a fact ``{{ lookup('pipe', ...) }}`` printed
    into an argument is not rendered again (it would run a command on the controller)."""
    marker = tmp_path / "ran"
    evil = "{{ lookup('pipe', 'touch " + str(marker) + "') }}"
    host = Host("web1", {"greeting": "{{ 'hi' | upper }}"})
    ctx = host_context(host, None, {"web1": {"ansible_evil": evil, "ansible_env": {"X": evil}}})
    assert render_args("a {{ ansible_evil }}", ctx, host="web1") == f"a {evil}"
    assert render_args("{{ ansible_facts.env.X }}", ctx, host="web1") == evil
    assert render_args("{{ ansible_env }}", ctx, host="web1") == {"X": evil}
    assert not marker.exists()
    # vars written by the operator still nest, and lookups run in the argument itself
    assert render_args("{{ greeting }} {{ lookup('pipe', 'echo ok') }}", ctx, host="web1") == "HI ok"
