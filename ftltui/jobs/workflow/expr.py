"""The ``when:`` language of workflow files: Ansible's conditionals, on the playbook engine.

A condition is a Jinja2 expression evaluated by :class:`ftltui.templating.Templar`
(sandboxed, with Ansible's filters and tests), so ``x is defined``, ``flag | bool`` and
``x | default(false)`` mean what they mean in a playbook. ``compile_expr`` runs when the
workflow is loaded and rejects, with the file and line, what can only fail later:
syntax errors, names and attributes starting with ``_`` (Python internals), and calls of
functions that do not exist. ``evaluate`` runs at the step's turn over the workflow vars
and ``steps``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.parser import Parser

from ftltui.errors import TemplateError
from ftltui.templating import Templar
from ftltui.templating.environment import environment

MAX_DEPTH = 100  # far beyond any real condition; keeps evaluation clear of the recursion limit
CONSTANTS = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}


class ExprError(ValueError):
    """A ``when`` expression is malformed, uses something not allowed, or failed."""


@dataclass(frozen=True)
class CompiledExpr:
    """A checked condition: its text (what the Templar evaluates) and its syntax tree."""

    source: str
    tree: nodes.Expr


def _strip_braces(source: str) -> str:
    text = source.strip()
    if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
        text = text[2:-2].strip()  # Ansible habit: when: "{{ x }}"
    return text


def compile_expr(source: str) -> CompiledExpr:
    text = _strip_braces(source)
    if not text:
        raise ExprError("empty expression")
    env = environment()
    try:
        parser = Parser(env, text, state="variable")
        tree = parser.parse_expression()
        if not parser.stream.eos:
            token = parser.stream.current
            raise ExprError(f"invalid expression {source!r}: unexpected {token.value or token.type!r}")
    except TemplateSyntaxError as exc:
        raise ExprError(f"invalid expression {source!r}: {exc.message}") from None
    except RecursionError:
        raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels")
    for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Call, nodes.Filter, nodes.Test)):
        _check(node, env)
    _check(tree, env)
    return CompiledExpr(text, tree)


def _depth(tree: nodes.Node) -> int:
    """Nesting depth, computed without recursion."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, d = todo.pop()
        deepest = max(deepest, d)
        todo.extend((child, d + 1) for child in node.iter_child_nodes())
    return deepest


def _check(node: nodes.Node, env: Any) -> None:
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        raise ExprError(f"name {node.name!r} is not allowed")
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        raise ExprError(f"attribute {node.attr!r} is not allowed")
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name not in env.globals:
        raise ExprError(f"not allowed in a when expression: call of unknown function {node.node.name!r}")
    if isinstance(node, nodes.Filter) and node.name not in env.filters:
        raise ExprError(f"unknown filter {node.name!r}")
    if isinstance(node, nodes.Test) and node.name not in env.tests:
        raise ExprError(f"unknown test {node.name!r}")


def evaluate(tree: CompiledExpr, env: Mapping[str, Any]) -> Any:
    """The condition's value over ``env`` (workflow vars, ``vars``, ``steps``)."""
    variables: Mapping[str, Any] = {**CONSTANTS, **env}
    try:
        return Templar(variables, base_dir=Path.cwd()).evaluate(tree.source)
    except TemplateError as exc:
        raise ExprError(exc.message) from None
