"""Checks on keyword values that need no variables: what can be wrong before a run starts.

Values stay as written (templates are the runner's, per host); only shapes Ansible itself
would refuse, and keywords ftl-tui does not run, fail here, naming file, line and keyword.
"""

from __future__ import annotations

from typing import Any

from ftltui.playbook.loader_yaml import key_where, type_name, value_where
from ftltui.playbook.model import (
    SUPPORTED_CONNECTIONS,
    UNSUPPORTED_KEYWORDS,
    PlaybookError,
    builtin_name,
)

LOOP_CONTROL_KEYS = frozenset({"loop_var", "index_var", "label", "pause", "extended", "extended_allitems",
                               "break_when"})
_CONDITIONS = ("when", "changed_when", "failed_when", "until")
# what ftl-tui's runner does (meta.py); ansible-core's end_role is not among them
META_ACTIONS = frozenset({"noop", "flush_handlers", "refresh_inventory", "reset_connection", "end_play",
                          "end_batch", "end_host", "clear_facts", "clear_host_errors"})
STRATEGIES = frozenset({"linear", "free"})


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def check_keywords(keywords: dict[str, Any], file: str, data: Any, what: str) -> None:
    """Refuse unsupported keywords and values of the wrong shape (``what``: Play, Task, Block...)."""
    for key, value in keywords.items():
        if key in UNSUPPORTED_KEYWORDS:
            raise PlaybookError(f"keyword '{key}' ({what}) is not supported by ftl-tui", key_where(file, data, key))
        _check_value(key, value, file, data)


def _bad(key: str, expected: str, value: Any, file: str, data: Any) -> PlaybookError:
    return PlaybookError(f"{key}: expected {expected}, got a {type_name(value)}", value_where(file, data, key))


def _check_value(key: str, value: Any, file: str, data: Any) -> None:
    if key == "vars" and not (value is None or isinstance(value, dict)
                              or (isinstance(value, list) and all(isinstance(v, dict) for v in value))):
        raise _bad(key, "a mapping of variables", value, file, data)
    if key == "tags" and not _tags_ok(value):
        raise _bad(key, "a tag name or a list of tag names", value, file, data)
    if key in _CONDITIONS and isinstance(value, (dict,)):
        raise _bad(key, "a condition (an expression, a boolean or a list of them)", value, file, data)
    if key == "register" and not isinstance(value, str):
        raise _bad(key, "a variable name", value, file, data)
    if key in ("notify", "listen") and not (isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value))):
        raise _bad(key, "a handler name or a list of them", value, file, data)
    if key == "loop_control":
        if not isinstance(value, dict):
            raise _bad(key, "a mapping (loop_var, index_var, label, pause, extended)", value, file, data)
        for sub in value:
            if sub not in LOOP_CONTROL_KEYS:
                raise PlaybookError(f"loop_control: unknown option {sub!r}; expected one of "
                                    f"{', '.join(sorted(LOOP_CONTROL_KEYS))}", value_where(file, data, key))
    if key == "environment" and not (isinstance(value, (dict, str)) or (
            isinstance(value, list) and all(isinstance(v, (dict, str)) for v in value))):
        raise _bad(key, "a mapping of environment variables", value, file, data)
    if key == "module_defaults" and not isinstance(value, (dict, list)):
        raise _bad(key, "a mapping of module names to default arguments", value, file, data)
    if key == "collections" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise _bad(key, "a list of collection names (ns.coll)", value, file, data)
    if key == "strategy" and value is not None and not _templated(value) and (
            not isinstance(value, str) or builtin_name(value) not in STRATEGIES):
        raise PlaybookError(f"strategy {value!r} is not supported by ftl-tui; expected one of "
                            f"{', '.join(sorted(STRATEGIES))}", value_where(file, data, key))
    if key == "connection" and value is not None and not _templated(value):
        if not isinstance(value, str) or builtin_name(value) not in SUPPORTED_CONNECTIONS:
            raise PlaybookError(f"connection {value!r} is not supported by ftl-tui; expected one of "
                                f"{', '.join(sorted(SUPPORTED_CONNECTIONS))}", value_where(file, data, key))


def _tags_ok(value: Any) -> bool:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return True
    return isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)


def merged_vars(value: Any) -> Any:
    """``vars:`` as one mapping (Ansible also takes a list of mappings, merged in order)."""
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for part in value:
            out.update(part)
        return out
    return {} if value is None else value


def check_meta(args: dict[str, Any], loc: Any) -> None:
    """A ``meta`` task names an action ftl-tui runs: refused at load (so ``--syntax-check``),
    never at run time after other tasks ran."""
    what = str(args.get("_raw_params") or args.get("free_form") or "").strip()
    if what not in META_ACTIONS:
        raise PlaybookError(f"meta: {what!r} is not supported by ftl-tui; expected one of "
                            f"{', '.join(sorted(META_ACTIONS))}", loc)
