"""k=v arguments with an unbalanced ``[`` or ``{`` (hR #23): the bracket is literal text, as
in Ansible's ``parse_kv``, and the words after it stay options. Before, a bracket opened a
group that swallowed the rest of the line: ``lineinfile ... line=foo[ state=absent`` ran
without ``state`` and ADDED the line. Outcomes (file contents) are compared with
``ansible localhost -m MODULE -a ARGS`` on the same arguments."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.engine.kvargs import parse_kv
from ftltui.errors import ModuleArgsError

pytestmark = pytest.mark.timeout(600)


@pytest.mark.parametrize(("text", "expected"), [
    ("path=/x line=foo[ state=absent", {"path": "/x", "line": "foo[", "state": "absent"}),
    ("path=/x/[a state=touch", {"path": "/x/[a", "state": "touch"}),
    ("path=/tmp/{a state=touch", {"path": "/tmp/{a", "state": "touch"}),
    ("line=[section] state=absent", {"line": "[section]", "state": "absent"}),
    ('argv=["uname", "-a"] chdir=/tmp', {"argv": ["uname", "-a"], "chdir": "/tmp"}),  # JSON-ish k=v kept
    ('x={"a": [1, 2]} y=2', {"x": {"a": [1, 2]}, "y": "2"}),
    ("msg={{ a  |  b }} y=2", {"msg": "{{ a  |  b }}", "y": "2"}),
])
def test_a_bracket_groups_words_only_when_it_is_a_json_value(text, expected):
    assert parse_kv(text) == expected


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "FTL_TUI"))}
    env.update(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1", NO_COLOR="1", HOME=str(work),
               FTL_TUI_HOME=str(work / "state"))
    return env


def _run(work: Path, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), check=False, cwd=work, env=_env(work), capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")
def test_lineinfile_with_an_unbalanced_bracket_removes_the_line_as_ansible_does(tmp_path: Path):
    (tmp_path / "inv.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    results = {}
    for tool in ("ansible", "ftl"):
        d = tmp_path / tool
        d.mkdir()
        (d / "lif.txt").write_text("keep\nfoo[\n")
        (d / "brace.txt").write_text("keep\n{a\n")
        for args in (f"path={d}/lif.txt line=foo[ state=absent",
                     f"path={d}/brace.txt line={{a state=absent",
                     f"path={d}/[new state=touch"):
            module = "file" if "touch" in args else "lineinfile"
            cmd = (["ansible"] if tool == "ansible" else [sys.executable, "-m", "ftltui", "run"])
            done = _run(tmp_path, *cmd, "localhost", "-i", "inv.ini", "-m", module, "-a", args)
            assert done.returncode == 0, (tool, args, done.stdout + done.stderr)
        results[tool] = {p.name: p.read_text() for p in sorted(d.iterdir())}
    assert results["ftl"] == results["ansible"] == {"[new": "", "brace.txt": "keep\n", "lif.txt": "keep\n"}


@pytest.mark.parametrize("text", ["line=foo{{ state=absent", "line=a{# state=absent", "line={%x state=absent",
                                  "msg={{ a }} x={{ b state=absent"])
def test_an_unclosed_jinja_block_is_refused_as_ansible_does(text):
    """The open block swallowed every later word (``state`` dropped); Ansible's parse_kv
    says "unbalanced jinja2 block or quotes"."""
    with pytest.raises(ModuleArgsError, match="unbalanced Jinja2 block"):
        parse_kv(text)


@pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")
def test_lineinfile_with_an_unclosed_jinja_block_fails_and_changes_nothing_as_in_ansible(tmp_path: Path):
    (tmp_path / "inv.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    for tool in ("ansible", "ftl"):
        target = tmp_path / f"{tool}.txt"
        target.write_text("keep\nfoo{{\n")
        cmd = (["ansible"] if tool == "ansible" else [sys.executable, "-m", "ftltui", "run"])
        done = _run(tmp_path, *cmd, "localhost", "-i", "inv.ini", "-m", "lineinfile", "-a",
                    f"path={target} line=foo{{{{ state=absent")
        assert done.returncode != 0, (tool, done.stdout + done.stderr)
        assert "unbalanced jinja2 block" in (done.stdout + done.stderr).lower(), (tool, done.stdout + done.stderr)
        assert target.read_text() == "keep\nfoo{{\n"
