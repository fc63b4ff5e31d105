"""A module's ``argument_spec``, read from its source with ``ast`` (best effort, never executed).

Recognised shapes, which cover ansible-core and most collection modules:
``AnsibleModule(argument_spec=dict(...) | {...} | NAME, mutually_exclusive=[...], ...)``
where NAME is assigned a literal in the file (``NAME = dict(...)``, later
``NAME.update(...)`` and ``NAME['x'] = dict(...)`` included), and ModuleHelper's class
attribute ``module = dict(argument_spec=dict(...), ...)``. Values that are not
literals (``**url_argument_spec()``, a function call) are skipped: the options they would
add are unknown here, which is why DOCUMENTATION stays the first source.
"""

from __future__ import annotations

import ast
import copy
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ftltui.ansible_modules.finder import ansible_core_dir, collection_roots, find_collection

_UNKNOWN = object()
_GROUP_KEYS = ("mutually_exclusive", "required_one_of", "required_together")
_RULE_KEYS = _GROUP_KEYS + ("required_if", "required_by")


@dataclass(frozen=True)
class ArgSpec:
    options: dict[str, dict[str, Any]]
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    required_one_of: tuple[tuple[str, ...], ...] = ()
    required_together: tuple[tuple[str, ...], ...] = ()
    supports_check_mode: bool | None = None
    complete: bool = True  # False when part of the spec was not a literal
    notes: tuple[str, ...] = field(default=())
    # the literal rule keywords of the call (mutually_exclusive, required_if, required_by, ...)
    rule_keywords: dict[str, Any] = field(default_factory=dict, compare=False)


class _File:
    """A parsed source file: its name bindings and the functions it defines or imports."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.names, self.additions = _bindings(tree)
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.imports: dict[str, tuple[str, int, str]] = {}  # local name -> (module, level, name)
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and n.module is not None or isinstance(n, ast.ImportFrom) and n.level:
                for alias in n.names:
                    self.imports[alias.asname or alias.name] = (n.module or "", n.level, alias.name)

    def call(self, fname: str, depth: int) -> Any:
        """The literal a no-argument helper returns (``url_argument_spec()``), followed into module_utils."""
        if fname in self.functions:
            body = self.functions[fname].body
            ret = body[-1] if body and isinstance(body[-1], ast.Return) else None
            return _literal(ret.value if ret else None, self, depth + 1)
        if fname in self.imports:
            module, level, name = self.imports[fname]
            other = _load(_module_utils_path(self.path, module, level))
            if other is not None:
                return other.call(name, depth + 1)
        return _UNKNOWN


@lru_cache(maxsize=256)
def _load(path: str | None) -> _File | None:
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            return _File(path, ast.parse(fh.read()))
    except (OSError, SyntaxError, ValueError):
        return None


def _module_utils_path(importer: str, module: str, level: int) -> str | None:
    """The file of ``ansible.module_utils.X``, a collection's module_utils, or a relative import."""
    parts = module.split(".") if module else []
    if level:
        base = os.path.dirname(importer)
        for _ in range(level - 1):
            base = os.path.dirname(base)
        cand = os.path.join(base, *parts)
    elif parts[:2] == ["ansible", "module_utils"]:
        core = ansible_core_dir()
        if core is None:
            return None
        cand = os.path.join(str(core), *parts[1:])
    elif parts[:1] == ["ansible_collections"] and len(parts) > 3:
        marker = os.sep + "ansible_collections" + os.sep
        roots = ([importer.split(marker, 1)[0]] if marker in importer else []) + collection_roots()
        located = find_collection(".".join(parts[1:3]), roots)
        if located is None:
            return None
        cand = os.path.join(located[1], *parts[3:])
    else:
        return None
    for path in (cand + ".py", os.path.join(cand, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _literal(node: ast.AST | None, src: "_File", depth: int = 0) -> Any:
    """A literal value (``dict(...)`` calls, names bound to literals, helper calls included), else _UNKNOWN."""
    names = src.names
    if node is None or depth > 20:
        return _UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_literal(e, src, depth + 1) for e in node.elts]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else list(items)
    if isinstance(node, ast.Dict):
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other}
                merged = _literal(v, src, depth + 1)
                if isinstance(merged, dict):
                    out.update(merged)
                continue
            key, value = _literal(k, src, depth + 1), _literal(v, src, depth + 1)
            if key is not _UNKNOWN:
                out[key] = value
        return out
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        out = {}
        for kw in node.keywords:
            value = _literal(kw.value, src, depth + 1)
            if kw.arg is None:
                if isinstance(value, dict):
                    out.update(value)
            else:
                out[kw.arg] = value
        return out
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id in names:
            return _literal(names[node.id], src, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args and not node.keywords:
        value = src.call(node.func.id, depth)
        return copy.deepcopy(value) if isinstance(value, (dict, list)) else value
    return _UNKNOWN


def _bindings(tree: ast.AST) -> tuple[dict[str, ast.AST], dict[str, list[ast.AST]]]:
    """Names assigned a value anywhere in the file (last wins) and what is added to them later."""
    names: dict[str, ast.AST] = {}
    additions: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names[t.id] = node.value
                elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    key = t.slice
                    if isinstance(key, ast.Constant):
                        additions.setdefault(t.value.id, []).append(ast.Dict(keys=[key], values=[node.value]))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
              and isinstance(node.func.value, ast.Name)):
            if node.args:
                additions.setdefault(node.func.value.id, []).append(node.args[0])
            if node.keywords:
                additions.setdefault(node.func.value.id, []).append(
                    ast.Call(func=ast.Name(id="dict"), args=[], keywords=node.keywords))
    return names, additions


def _module_calls(tree: ast.AST) -> list[dict[str, ast.expr]]:
    """Keyword maps of every ``AnsibleModule(...)`` call and every ``dict(argument_spec=...)``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            kws = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            if fname.endswith("AnsibleModule"):
                if "argument_spec" not in kws and node.args:
                    kws["argument_spec"] = node.args[0]
                found.append(kws)
            elif fname == "dict" and "argument_spec" in kws:
                found.append(kws)
        elif isinstance(node, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            if "argument_spec" in keys:
                found.append({str(k): v for k, v in zip(keys, node.values) if k is not None})
    return found


def _groups(value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(tuple(str(x) for x in g) for g in value if isinstance(g, list))


def read_argument_spec(path: str) -> ArgSpec | None:
    """The module's argument_spec, or None when the file has none that can be read."""
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return None
    src = _File(path, tree)
    names, additions = src.names, src.additions
    for kws in _module_calls(tree):
        spec_node = kws.get("argument_spec")
        spec = _literal(spec_node, src)
        if isinstance(spec, dict):
            spec = copy.deepcopy(spec)
        if not isinstance(spec, dict):
            continue
        complete = True
        if isinstance(spec_node, ast.Name):
            for extra in additions.get(spec_node.id, []):
                more = _literal(extra, src)
                if isinstance(more, dict):
                    spec.update(more)
                else:
                    complete = False
        options = {str(k): (v if isinstance(v, dict) else {}) for k, v in spec.items()}
        for opt in options.values():
            for key in [k for k, v in opt.items() if v is _UNKNOWN]:
                del opt[key]
                complete = False
        check = _literal(kws.get("supports_check_mode"), src)
        keywords = {k: _literal(kws[k], src) for k in _RULE_KEYS if k in kws}
        return ArgSpec(
            options=options,
            mutually_exclusive=_groups(_literal(kws.get("mutually_exclusive"), src)),
            required_one_of=_groups(_literal(kws.get("required_one_of"), src)),
            required_together=_groups(_literal(kws.get("required_together"), src)),
            supports_check_mode=bool(check) if isinstance(check, bool) else (False if "supports_check_mode" not in kws else None),
            complete=complete,
            rule_keywords={k: v for k, v in keywords.items() if v is not _UNKNOWN},
        )
    return None
