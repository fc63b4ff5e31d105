"""The islands stay islands: the gate's Ansible runner is stdlib-only (Python 3.8), and the
controller code that ships Ansible modules never imports ansible."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "ftltui"
GATE_FILES = [ROOT / "gate" / "ansible_exec.py", ROOT / "gate" / "ansible_child.py"]
CONTROLLER_FILES = [ROOT / "ansible_modules" / "bundle.py", ROOT / "ansible_modules" / "bundle_store.py",
                    ROOT / "ansible_modules" / "run.py",
                    ROOT / "engine" / "ansible_actions.py"]
PY38 = "/root/.pyenv/versions/3.8.18/bin/python"


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args \
                and isinstance(node.args[0], ast.Constant):
            names.append(str(node.args[0].value))
    return names


def test_gate_ansible_runner_is_stdlib_only() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    bad = [f"{p.name}: {n}" for p in GATE_FILES for n in _imports(p)
           if n.split(".")[0] not in allowed and not n.startswith("ftltui.gate")]
    assert bad == []


def test_controller_side_never_imports_ansible() -> None:
    bad = [f"{p.name}: {n}" for p in CONTROLLER_FILES + GATE_FILES for n in _imports(p)
           if n.split(".")[0] in ("ansible", "ansible_collections")]
    assert bad == []


@pytest.mark.skipif(not os.path.exists(PY38), reason="no Python 3.8 interpreter here")
def test_gate_files_compile_on_python38() -> None:
    res = subprocess.run([PY38, "-m", "py_compile", *map(str, GATE_FILES)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
