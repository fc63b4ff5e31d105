"""Ansible's Jinja2 tests (``x is version('2.0', '>=')``...), added to Jinja2's own
(``defined``, ``undefined``, ``none``, ``string``, ``number``, ``in``...).

Written from ``ansible-doc -t test NAME`` (ansible-core 2.19); compared with Ansible by
tests/playbook/test_jinja_oracle.py. ``file``/``directory``/``exists`` look at the
controller's file system, as Ansible's do.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any

from ftltui.templating.filters_core import FilterError, to_bool
from ftltui.templating.versions import compare_versions


def truthy(value: Any, convert_bool: bool = False) -> bool:
    if convert_bool:
        try:
            value = to_bool(value)
        except FilterError:
            pass
    return bool(value)


def falsy(value: Any, convert_bool: bool = False) -> bool:
    return not truthy(value, convert_bool)


def _regex(value: Any, pattern: str, ignorecase: bool = False, multiline: bool = False,
           match_type: str = "search") -> bool:
    flags = (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)
    try:
        rx = re.compile(str(pattern), flags)
    except re.error as exc:
        raise FilterError(f"regex: invalid regular expression {pattern!r}: {exc}") from None
    method = getattr(rx, match_type, None)
    if match_type not in ("search", "match", "fullmatch") or method is None:
        raise FilterError(f"regex: match_type must be search, match or fullmatch, got {match_type!r}")
    return method(str(value)) is not None


def match(value: Any, pattern: str, ignorecase: bool = False, multiline: bool = False) -> bool:
    return _regex(value, pattern, ignorecase, multiline, "match")


def search(value: Any, pattern: str, ignorecase: bool = False, multiline: bool = False) -> bool:
    return _regex(value, pattern, ignorecase, multiline, "search")


def _result(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FilterError(f"The '{name}' test expects a dictionary")
    return value


def failed(value: Any) -> bool:
    return bool(_result("failed", value).get("failed", False))


def success(value: Any) -> bool:
    return not bool(_result("success", value).get("failed", False))


def changed(value: Any) -> bool:
    result = _result("changed", value)
    if "changed" not in result:
        results = result.get("results")
        if isinstance(results, list) and results and isinstance(results[0], Mapping):
            return any(bool(r.get("changed", False)) for r in results)
        return False
    return bool(result["changed"])


def skipped(value: Any) -> bool:
    return bool(_result("skipped", value).get("skipped", False))


def unreachable(value: Any) -> bool:
    return bool(_result("unreachable", value).get("unreachable", False))


def finished(value: Any) -> bool:
    return bool(_result("finished", value).get("finished", 1))


def started(value: Any) -> bool:
    return bool(_result("started", value).get("started", 1))


def subset(a: Any, b: Any) -> bool:
    return all(x in list(b) for x in a)


def superset(a: Any, b: Any) -> bool:
    return subset(b, a)


def contains(seq: Any, value: Any) -> bool:
    return value in seq


def nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


TESTS: dict[str, Any] = {
    "truthy": truthy,
    "falsy": falsy,
    "match": match,
    "search": search,
    "regex": _regex,
    "version": compare_versions,
    "version_compare": compare_versions,
    "subset": subset,
    "issubset": subset,
    "superset": superset,
    "issuperset": superset,
    "contains": contains,
    "any": lambda v: any(v),
    "all": lambda v: all(v),
    "nan": nan,
    "file": lambda p: os.path.isfile(str(p)),
    "directory": lambda p: os.path.isdir(str(p)),
    "exists": lambda p: os.path.exists(os.path.expanduser(str(p))),
    "link": lambda p: os.path.islink(str(p)),
    "link_exists": lambda p: os.path.lexists(os.path.expanduser(str(p))),
    "abs": lambda p: os.path.isabs(str(p)),
    "same_file": lambda a, b: os.path.samefile(str(a), str(b)),
    "mount": lambda p: os.path.ismount(str(p)),
    "failed": failed,
    "failure": failed,
    "success": success,
    "succeeded": success,
    "successful": success,
    "changed": changed,
    "change": changed,
    "skipped": skipped,
    "skip": skipped,
    "unreachable": unreachable,
    "finished": finished,
    "started": started,
}
