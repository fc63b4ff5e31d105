"""Version comparison for the ``version`` test (``version_compare``): loose, strict, semver.

The schemes are described in ``ansible-doc -t test version``: *loose* splits a version
into numbers and letter runs and compares those lists (every string is valid); *strict*
is ``N.N[.N][(a|b)N]`` with pre-releases before releases; *semver* is semver.org 2.0.
"""

from __future__ import annotations

import re
from typing import Any

from ftltui.templating.filters_core import FilterError

OPERATORS = {
    "==": "eq", "=": "eq", "eq": "eq", "<": "lt", "lt": "lt", "<=": "le", "le": "le",
    ">": "gt", "gt": "gt", ">=": "ge", "ge": "ge", "!=": "ne", "<>": "ne", "ne": "ne",
}
_LOOSE_PART = re.compile(r"(\d+|[a-z]+|\.)", re.IGNORECASE)
_STRICT = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$")
_SEMVER = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
                     r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")


def _loose(text: str) -> list[Any]:
    parts: list[Any] = []
    for piece in _LOOSE_PART.split(text):
        if piece and piece != ".":
            parts.append(int(piece) if piece.isdigit() else piece)
    return parts


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def _cmp_loose(a: str, b: str) -> int:
    try:
        return _cmp(_loose(a), _loose(b))
    except TypeError:  # a number meets a word at the same place: as distutils did, fail
        raise FilterError(f"version: cannot compare {a!r} with {b!r} loosely") from None


def _strict_key(text: str) -> tuple[Any, ...]:
    m = _STRICT.match(text)
    if not m:
        raise FilterError(f"version: invalid version number {text!r} for strict comparison")
    major, minor, patch, pre, pre_n = m.groups()
    release = (int(major), int(minor), int(patch or 0))
    prerelease = (pre, int(pre_n)) if pre else ("z", 0)  # no pre-release sorts after a and b
    return release + prerelease


def _semver_key(text: str) -> tuple[Any, ...]:
    m = _SEMVER.match(text)
    if not m:
        raise FilterError(f"version: invalid semantic version {text!r}")
    core = tuple(int(x) for x in m.groups()[:3])
    pre = m.group(4)
    if pre is None:
        return core + (1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return core + (0, ids)


def compare_versions(value: Any, version: Any, operator: str = "eq", strict: bool = False,
                     version_type: str | None = None) -> bool:
    op = OPERATORS.get(str(operator))
    if op is None:
        raise FilterError(f"version: invalid operator {operator!r}: expected one of {', '.join(OPERATORS)}")
    if strict and version_type is not None:
        raise FilterError("version: strict and version_type are mutually exclusive")
    scheme = "strict" if strict else (version_type or "loose")
    a, b = str(value), str(version)
    if not a or not b:
        raise FilterError("version: the input and the version to compare with must not be empty")
    if scheme == "loose":
        order = _cmp_loose(a, b)
    elif scheme == "strict":
        order = _cmp(_strict_key(a), _strict_key(b))
    elif scheme in ("semver", "semantic"):
        order = _cmp(_semver_key(a), _semver_key(b))
    else:
        raise FilterError(f"version: version_type {scheme!r} is not supported by ftl-tui (loose, strict, semver)")
    return {"eq": order == 0, "ne": order != 0, "lt": order < 0, "le": order <= 0,
            "gt": order > 0, "ge": order >= 0}[op]
