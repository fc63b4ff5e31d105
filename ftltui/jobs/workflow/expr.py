"""The ``when:`` language: a safe subset of Python expressions, evaluated without eval.

Allowed: literals (numbers, strings, true/false/none, lists/tuples), names (workflow
vars, ``steps``), attribute and constant-index access on mappings
(``steps.build.changed``, ``vars['x']``), comparisons (``== != < <= > >= in not in``),
``and``/``or``/``not``. Anything else (calls, arithmetic, lambdas, dunder names) is
rejected when the workflow is loaded, with the file and line.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 100  # far beyond any real condition; keeps evaluation clear of the recursion limit
CONSTANTS = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}
_CMP = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class ExprError(ValueError):
    """A ``when`` expression is malformed or uses something not allowed."""


def compile_expr(source: str) -> ast.Expression:
    text = source.strip()
    if text.startswith("{{") and text.endswith("}}"):
        text = text[2:-2].strip()  # Ansible habit: when: "{{ x }}"
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" etc. would print to stderr (the TUI's screen)
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)  # '\_' escapes: Deprecation- on 3.11, Syntax- on 3.12
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"invalid expression {source!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # lone surrogates, NUL, nesting beyond the parser
        raise ExprError(f"invalid expression: {type(exc).__name__}: {str(exc)[:80]}") from None
    for node in ast.walk(tree):
        _check(node)
    if _depth(tree) > MAX_DEPTH:  # evaluation recurses: refuse here, with the file and line, not at run time
        raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels")
    return tree


def _depth(tree: ast.AST) -> int:
    """Nesting depth, computed without recursion."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, d = todo.pop()
        deepest = max(deepest, d)
        todo.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check(node: ast.AST) -> None:
    ok = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.Constant,
          ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.List, ast.Tuple, *_CMP)
    if not isinstance(node, ok):
        raise ExprError(f"not allowed in a when expression: {type(node).__name__.lower()}")
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
        raise ExprError("only 'not' is allowed as a unary operator")
    if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
        raise ExprError(f"attribute {node.attr!r} is not allowed")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExprError(f"name {node.id!r} is not allowed")
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
        raise ExprError("an index must be a literal, e.g. x['key'] or x[0]")


def evaluate(tree: ast.Expression, env: Mapping[str, Any]) -> Any:
    try:
        return _eval(tree.body, env)
    except RecursionError:  # a tree built by hand, not by compile_expr
        raise ExprError("expression nested too deeply") from None


def _lookup(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        if key not in container:
            raise ExprError(f"no {key!r} in {sorted(map(str, container))[:10]}")
        return container[key]
    if isinstance(container, (list, tuple)) and isinstance(key, int):
        if not -len(container) <= key < len(container):
            raise ExprError(f"index {key} out of range (the list has {len(container)} items)")
        return container[key]
    raise ExprError(f"cannot look up {key!r} in a {type(container).__name__}")


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise ExprError(f"undefined name {node.id!r}")
    if isinstance(node, ast.Attribute):
        return _lookup(_eval(node.value, env), node.attr)
    if isinstance(node, ast.Subscript):
        return _lookup(_eval(node.value, env), node.slice.value)  # type: ignore[attr-defined]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, env) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, env)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for v in node.values:
                result = _eval(v, env)
                if not result:
                    return result
            return result
        result = False
        for v in node.values:
            result = _eval(v, env)
            if result:
                return result
        return result
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, env)
            try:
                if not _CMP[type(op)](left, right):
                    return False
            except TypeError as exc:
                raise ExprError(str(exc)) from None
            left = right
        return True
    raise ExprError(f"not allowed: {type(node).__name__}")
