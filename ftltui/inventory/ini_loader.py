"""Ansible's INI inventory format.

Sections ``[group]`` (hosts), ``[group:children]`` (sub-groups, may be declared later in
the file), ``[group:vars]`` (one ``key=value`` per line). Lines before any section are
``ungrouped`` hosts. Values, inline or in ``:vars``, go through Python literal parsing
exactly like Ansible does (``23`` -> int, ``[1,2]`` -> list, ``FALSE`` stays a string).
"""

from __future__ import annotations

import ast
import re
import shlex
import warnings
from dataclasses import dataclass, field
from typing import Any

from ftltui.errors import InventoryError, Location
from ftltui.inventory.builder import Builder
from ftltui.inventory.ranges import RangeError, expand_host_pattern

_SECTION = re.compile(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
_GROUPNAME = re.compile(r"^([^:\]\s]+)\s*(?:#.*)?$")
_COMMENT = ("#", ";")


def parse_value(text: str) -> Any:
    """Ansible's INI value rule: a Python literal if it is one, else the text itself."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return _coerce(value)


def _coerce(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_coerce(v) for v in value]
    if isinstance(value, dict):
        return {_coerce(k): _coerce(v) for k, v in value.items()}
    if value is ...:
        return "..."
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value


@dataclass
class _Pending:
    line: int
    state: str
    parents: list[str] = field(default_factory=list)


def parse_ini_inventory(text: str, file: str, builder: Builder) -> None:
    """Feed INI inventory ``text`` into ``builder``; errors carry ``file:line:col``."""
    pending: dict[str, _Pending] = {}
    group, state = "ungrouped", "hosts"
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in _COMMENT:
            continue
        col = len(raw) - len(raw.lstrip()) + 1
        loc = Location(file, lineno, col)
        m = _SECTION.match(line)
        if m:
            group, state = m.group(1), m.group(2) or "hosts"
            if state not in ("hosts", "children", "vars"):
                raise InventoryError(
                    f"section [{group}:{state}] has unknown type '{state}'; expected :children or :vars", loc
                )
            if group not in builder.groups:
                if state == "vars" and group not in pending:
                    pending[group] = _Pending(lineno, "vars")
                builder.add_group(group, loc)
            if group in pending and state != "vars":
                if pending[group].state == "children":
                    _resolve_pending(group, pending, builder, loc)
                else:
                    del pending[group]
            continue
        if line.startswith("[") and line.endswith("]"):
            raise InventoryError(
                f"invalid section header {line!r}; expected [group], [group:children] or [group:vars] without spaces",
                loc,
            )
        if state == "hosts":
            _host_line(line, raw, group, file, lineno, col, builder)
        elif state == "vars":
            if "=" not in line:
                raise InventoryError(f"expected key=value in [{group}:vars], got {line!r}", loc)
            key, value = (part.strip() for part in line.split("=", 1))
            builder.set_group_var(group, key, parse_value(value), loc)
        else:
            m = _GROUPNAME.match(line)
            if not m:
                raise InventoryError(f"expected a group name in [{group}:children], got {line!r}", loc)
            child = m.group(1)
            if child in builder.groups:
                builder.add_child(group, child, loc)
            elif child in pending:
                pending[child].parents.append(group)
            else:
                pending[child] = _Pending(lineno, "children", [group])
    for name, decl in pending.items():
        if decl.state == "vars":
            msg = f"section [{name}:vars] is for an undefined group '{name}'; expected a [{name}] or [{name}:children] section"
        else:
            msg = f"section [{decl.parents[-1]}:children] includes undefined group '{name}'; expected a [{name}] section"
        raise InventoryError(msg, Location(file, decl.line, 1))


def _resolve_pending(group: str, pending: dict[str, _Pending], builder: Builder, loc: Location) -> None:
    for parent in pending[group].parents:
        builder.add_child(parent, group, loc)
        if parent in pending and pending[parent].state == "children":
            _resolve_pending(parent, pending, builder, loc)
    pending.pop(group, None)


def _host_line(line: str, raw: str, group: str, file: str, lineno: int, col: int, builder: Builder) -> None:
    loc = Location(file, lineno, col)
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:
        raise InventoryError(f"cannot parse host line ({exc}); expected 'host key=value ...'", loc) from None
    if not tokens:
        raise InventoryError(f"expected a host name, got {line!r}", loc)
    pattern = tokens[0]
    try:
        names, port = expand_host_pattern(pattern)
    except RangeError as exc:
        raise InventoryError(str(exc), loc) from None
    if pattern.strip().endswith(":") and port is None:
        raise InventoryError(f"host '{pattern}' ends in ':'; expected host:PORT", loc)
    if any(n.strip() == "---" for n in names):
        raise InventoryError("found '---' where a host was expected; is this a YAML file?", loc)
    hvars: dict[str, Any] = {}
    for tok in tokens[1:]:
        if "=" not in tok:
            tcol = raw.find(tok) + 1 or col
            raise InventoryError(
                f"expected key=value host variable, got {tok!r}", Location(file, lineno, tcol)
            )
        key, value = tok.split("=", 1)
        hvars[key] = parse_value(value)
    for name in names:
        builder.add_host(name, group, port, loc)
        for key, value in hvars.items():
            builder.set_host_var(name, key, value, loc)
