"""Which file is a module, and what kind of module it is (Ansible's module styles), from its bytes."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

# Ansible's C.MODULE_IGNORE_EXTS: never a module file (docs sidecars, editor debris)
IGNORE_EXTS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".yaml", ".yml", ".ini")

_NEW_STYLE_RE = re.compile(
    rb"(?:from +\.{2,} *module_utils.* +import |"
    rb"from +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.* +import |"
    rb"import +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.*|"
    rb"from +ansible\.module_utils.* +import |"
    rb"import +ansible\.module_utils\.)"
)
_PS_RE = re.compile(rb"#Requires -Module|#Requires -Version|#AnsibleRequires -(?:OSVersion|PowerShell|CSharpUtil|Wrapper)",
                    re.IGNORECASE)
_TEXT_BYTES = bytes(bytearray({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7F}))


def module_kind(path: str) -> str:
    """Ansible's module style for a file, from its bytes (module_common's rules)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return "old_style"
    if data[:1024].translate(None, _TEXT_BYTES):
        return "binary"
    if b"#<<INCLUDE_ANSIBLE_MODULE_COMMON>>" in data or _NEW_STYLE_RE.search(data):
        return "python"
    if path.endswith(".ps1") or b"# POWERSHELL_COMMON" in data or _PS_RE.search(data):
        return "powershell"
    if b"<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>" in data:
        return "jsonargs"
    if b"WANT_JSON" in data:
        return "want_json"
    return "old_style"


def module_file(directory: str, name: str) -> str | None:
    """The file for module ``name`` in ``directory``: ``name.py``, ``name``, then ``name.*`` sorted.

    A ``name.py`` beside a ``name.ps1`` is a Windows module's documentation stub: the
    ``.ps1`` is the module (so the caller reports a PowerShell module, not a broken one).
    """
    base = os.path.join(directory, name)
    py, ps1 = base + ".py", base + ".ps1"
    if os.path.isfile(py):
        if os.path.isfile(ps1) and _is_doc_stub(py):
            return ps1
        return py
    if os.path.isfile(base):
        return base
    try:
        found = sorted(
            os.path.join(directory, f) for f in os.listdir(directory)
            if f.startswith(name + ".") and not f.endswith(IGNORE_EXTS) and os.path.isfile(os.path.join(directory, f))
        )
    except OSError:
        return None
    return found[0] if found else None


def _is_doc_stub(path: str) -> bool:
    """True when a .py file only assigns strings (DOCUMENTATION, EXAMPLES, RETURN)."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        return False
    return True
