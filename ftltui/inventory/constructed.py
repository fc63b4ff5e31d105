"""The ``constructed`` inventory plugin: groups and variables computed from the hosts loaded so far.

Implemented from the plugin's documentation (``ansible-doc -t inventory constructed``):
a YAML file with ``plugin: constructed`` (or ``ansible.builtin.constructed``) and

* ``compose``: ``var: EXPRESSION``, set as a host variable;
* ``groups``: ``group: CONDITION``, the host joins the group when it is true (a boolean);
* ``keyed_groups``: ``{key, prefix, separator, default_value, trailing_separator,
  parent_group}``; a string, list or mapping value names groups ``prefix_value``;
* ``strict`` (false): a failing expression skips that entry for the host; true: an error;
* ``leading_separator`` (true): with no prefix, names still start with the separator.

It applies to the hosts of the sources before it (list it after them, e.g. a name that
sorts last in an inventory directory), with their inventory variables (groups merged,
then the host's own); ``group_vars/`` files are not read (``use_vars_plugins`` is not
supported). Group names are made safe: non-word characters become ``_``. Expressions run
in Jinja2's sandbox with its own filters (Ansible's extra filters are not available).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ftltui.errors import InventoryError, Location
from ftltui.inventory.builder import Builder

PLUGIN_NAMES = ("constructed", "ansible.builtin.constructed")
_OPTIONS = {"plugin", "strict", "compose", "groups", "keyed_groups", "leading_separator", "use_vars_plugins",
            "use_extra_vars"}
_UNSAFE = re.compile(r"\W", re.UNICODE)


class _Skip(Exception):
    """An expression failed for one host (non-strict: that entry is skipped)."""


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined)


def safe_group_name(name: str) -> str:
    return _UNSAFE.sub("_", name)


def _evaluate(expr: Any, variables: Mapping[str, Any], what: str) -> Any:
    if not isinstance(expr, str):
        return expr
    try:
        value = _env().compile_expression(expr, undefined_to_none=False)(**variables)
        if hasattr(value, "_undefined_name"):
            raise _Skip(f"{what}: '{value._undefined_name}' is undefined")
        return value
    except _Skip:
        raise
    except Exception as exc:  # undefined names, type errors, syntax errors: all the same to strict
        raise _Skip(f"{what}: {type(exc).__name__}: {exc}") from None


def _host_vars(builder: Builder, host: str, groups: set[str]) -> dict[str, Any]:
    """Inventory vars as the plugin sees them: all, other groups (shallow first), the host."""
    depth: dict[str, int] = {}

    def d(g: str) -> int:
        if g not in depth:
            depth[g] = 0  # cycle guard; the builder forbids cycles anyway
            depth[g] = 1 + max((d(p) for p in builder.groups[g].parents), default=0)
        return depth[g]

    out = dict(builder.groups["all"].vars)
    for g in sorted((builder.groups[n] for n in groups if n != "all"), key=lambda g: (d(g.name), g.priority, g.name)):
        out.update(g.vars)
    out.update(builder.hosts[host].vars)
    out["inventory_hostname"] = host
    out["inventory_hostname_short"] = host.split(".")[0]
    out["group_names"] = sorted(groups - {"all", "ungrouped"})
    return out


def _keyed_names(key: Any, entry: Mapping[str, Any]) -> list[str]:
    sep = str(entry.get("separator", "_"))
    default = entry.get("default_value")
    trailing = entry.get("trailing_separator")
    if isinstance(key, str):
        return [default if key == "" and default is not None else key]
    if isinstance(key, list):
        return [str(default) if v == "" and default is not None else str(v) for v in key]
    if isinstance(key, Mapping):
        out = []
        for k, v in key.items():
            if v == "" and default is not None:
                out.append(f"{k}{sep}{default}")
            elif v == "" and trailing is False:
                out.append(str(k))
            else:
                out.append(f"{k}{sep}{v}")
        return out
    raise InventoryError(f"keyed_groups key {entry.get('key')!r} gave a {type(key).__name__}; expected a string, "
                         "a list or a mapping")


def apply_constructed(config: Mapping[str, Any], file: str, builder: Builder) -> None:
    loc = Location(file)
    unknown = set(config) - _OPTIONS
    if unknown:
        raise InventoryError(f"constructed: unknown option(s) {', '.join(sorted(map(str, unknown)))}; expected "
                             "compose, groups, keyed_groups, strict, leading_separator", loc)
    if config.get("use_vars_plugins"):
        raise InventoryError("constructed: use_vars_plugins is not supported", loc)
    strict = bool(config.get("strict", False))
    compose = config.get("compose") or {}
    groups = config.get("groups") or {}
    keyed = config.get("keyed_groups") or []
    if not isinstance(compose, Mapping) or not isinstance(groups, Mapping) or not isinstance(keyed, list):
        raise InventoryError("constructed: expected compose and groups to be mappings and keyed_groups a list", loc)
    for entry in keyed:
        if not isinstance(entry, Mapping) or "key" not in entry:
            raise InventoryError(f"constructed: expected each keyed_groups entry to be a mapping with 'key', got {entry!r:.60}", loc)
        if entry.get("default_value") is not None and entry.get("trailing_separator") is not None:
            raise InventoryError("constructed: default_value and trailing_separator are mutually exclusive", loc)
    leading = config.get("leading_separator", True) is not False
    builder.current_source = file
    membership = builder._membership()  # noqa: SLF001 - the builder's own bookkeeping, read once

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except _Skip as exc:
            if strict:
                raise InventoryError(f"constructed: host {args[-1]}: {exc}", loc) from None
            return None

    for host in list(builder.hosts):
        mine = set(membership.get(host, set()))
        variables = _host_vars(builder, host, mine)
        for var, expr in compose.items():
            value = attempt(lambda e, h: (_evaluate(e, variables, f"compose {var}"),), expr, host)
            if value is not None:
                builder.set_host_var(host, var, value[0], loc)
        variables = _host_vars(builder, host, mine)
        for group, cond in groups.items():
            result = attempt(lambda c, h: _evaluate(c, variables, f"groups {group}"), cond, host)
            if result is not None and not isinstance(result, bool):
                if strict:
                    raise InventoryError(f"constructed: host {host}: groups {group}: the condition gave "
                                         f"{result!r:.40}; expected true or false", loc)
                continue
            if result:
                name = builder.add_group(safe_group_name(str(group)), loc)
                builder.add_host(host, name, None, loc)
        for entry in keyed:
            key = attempt(lambda e, h: (_evaluate(e["key"], variables, f"keyed_groups {e['key']}"),), entry, host)
            if key is None:
                continue
            value = key[0]
            if not value and not (value == "" and entry.get("default_value") is not None):
                if strict and value not in ([], {}):
                    raise InventoryError(f"constructed: host {host}: keyed_groups {entry['key']} is empty", loc)
                continue
            try:
                names = _keyed_names(value, entry)
            except InventoryError as exc:
                raise InventoryError(exc.message, loc) from None
            prefix = str(entry.get("prefix", ""))
            sep = "" if (prefix == "" and not leading) else str(entry.get("separator", "_"))
            parent = entry.get("parent_group")
            for bare in names:
                name = builder.add_group(safe_group_name(f"{prefix}{sep}{bare}"), loc)
                builder.add_host(host, name, None, loc)
                if parent:
                    pname = builder.add_group(safe_group_name(str(parent)), loc)
                    builder.add_child(pname, name, loc)
