"""Doc fragments: ``extends_documentation_fragment`` merged into a module's DOCUMENTATION.

Ansible's rules (``ansible.utils.plugin_docs.add_fragments``), reproduced on text: a
fragment ``a.b.c`` is first looked up as the fragment ``a.b.c`` (DOCUMENTATION), else as
the fragment ``a.b`` with the variable ``C``; short names are ansible-core's. Options
merge field by field with the module's own definition winning; notes and seealso add up.
Fragment files are parsed with ``ast`` (class attributes holding YAML strings), never imported.
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from typing import Any

import yaml

from ftltui.ansible_modules.finder import ansible_core_dir, collection_roots, find_collection

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


@lru_cache(maxsize=512)
def _fragment_vars(path: str) -> dict[str, str]:
    """Every string class attribute of a doc fragment file: ``{"DOCUMENTATION": ..., "FILES": ...}``."""
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return {}
    out: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
                for t in item.targets:
                    if isinstance(t, ast.Name):
                        out[t.id] = item.value.value
    return out


def _fragment_file(name: str, module_root: str | None) -> str | None:
    parts = name.split(".")
    if len(parts) == 1 or name.startswith(("ansible.builtin.", "ansible.legacy.")):
        core = ansible_core_dir()
        leaf = parts[-1]
        path = os.path.join(str(core), "plugins", "doc_fragments", leaf + ".py") if core else ""
        return path if path and os.path.isfile(path) else None
    if len(parts) < 3:
        return None
    roots = ([module_root] if module_root else []) + collection_roots()
    located = find_collection(".".join(parts[:2]), roots)
    if located is None:
        return None
    path = os.path.join(located[1], "plugins", "doc_fragments", *parts[2:-1], parts[-1] + ".py")
    return path if os.path.isfile(path) else None


def _load_fragment(slug: str, module_root: str | None) -> dict[str, Any] | None:
    name, var = slug.strip(), "DOCUMENTATION"
    path = _fragment_file(name, module_root)
    if path is None and "." in name:
        name, var = name.rsplit(".", 1)
        var = var.upper()
        path = _fragment_file(name, module_root)
    if path is None:
        return None
    text = _fragment_vars(path).get(var)
    if text is None:
        return None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    """``merge_fragment``: the target's (the module's) entries win, dicts merge one level down."""
    for key, value in source.items():
        if key in target:
            if isinstance(target[key], dict) and isinstance(value, dict):
                value = {**value, **target[key]}
            elif isinstance(target[key], list) and isinstance(value, list):
                value = value + [v for v in target[key] if v not in value]
            else:
                continue
        target[key] = value


def _module_root(path: str) -> str | None:
    marker = os.sep + "ansible_collections" + os.sep
    return path.split(marker, 1)[0] if marker in path else None


def merge_fragments(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """``doc`` with its fragments merged in (a new dict; unknown fragments are skipped)."""
    doc = dict(doc)
    fragments = doc.pop("extends_documentation_fragment", None) or []
    if isinstance(fragments, str):
        fragments = fragments.split(",")
    root = _module_root(path)
    for slug in fragments:
        fragment = _load_fragment(str(slug), root)
        if fragment is None:
            continue
        for listed in ("notes", "seealso"):
            if fragment.get(listed):
                doc[listed] = list(doc.get(listed) or []) + list(fragment[listed])
            fragment.pop(listed, None)
        for key in ("options", "attributes"):
            if key in fragment:
                mine = dict(doc.get(key) or {})
                theirs = dict(fragment.pop(key) or {})
                for opt, spec in theirs.items():
                    if opt in mine and isinstance(mine[opt], dict) and isinstance(spec, dict):
                        mine[opt] = {**spec, **mine[opt]}
                    elif opt not in mine:
                        mine[opt] = spec
                doc[key] = mine
        _merge(doc, fragment)
    return doc
