"""Ansible's everyday filters: truth, choice, type, shell quoting, paths, sizes, time, UUIDs.

Written from ``ansible-doc -t filter NAME`` (ansible-core 2.19) and checked against it by
tests/playbook/test_jinja_oracle.py. Jinja2's own filters (``default``/``d``, ``int``,
``float``, ``string``, ``length``, ``join``, ``map``, ``select``...) are used as they are.
"""

from __future__ import annotations

import datetime
import ntpath
import os
import posixpath
import shlex
import time
import uuid
from collections.abc import Mapping
from typing import Any

from jinja2.runtime import Undefined

BOOLEANS_TRUE = frozenset({"y", "yes", "on", "1", "true", "t"})
UUID_NAMESPACE_ANSIBLE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")


class FilterError(ValueError):
    """A filter got input it cannot handle; the message starts with the filter's name."""


def to_bool(value: Any) -> bool:
    """``bool``: true for true, 1 and the words yes/on/y/t/true/1 (any case)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value == 1
    text = str(value).strip().lower()
    # anything else is false (ansible-core 2.19 warns that this will become an error)
    return text in BOOLEANS_TRUE


def mandatory(value: Any, msg: str | None = None) -> Any:
    """Fail when ``value`` is undefined; pass it through otherwise."""
    if isinstance(value, Undefined):
        if msg is not None:
            raise FilterError(str(msg))
        name = getattr(value, "_undefined_name", None)
        raise FilterError(f"Mandatory variable {name!r} not defined." if name else "Mandatory variable not defined.")
    return value


def ternary(value: Any, true_val: Any, false_val: Any = None, none_val: Any = None) -> Any:
    if value is None and none_val is not None:
        return none_val
    return true_val if value else false_val


def type_debug(value: Any) -> str:
    """The Python type's name, as a user would write it (marked text is still ``str``)."""
    for base in (bool, int, float, str, dict, list, tuple):
        if isinstance(value, base):
            return base.__name__
    if isinstance(value, Mapping):
        return "dict"
    return type(value).__name__


def split(value: Any, separator: str = " ", maxsplit: int = -1) -> list[str]:
    return str(value).split(separator, maxsplit)


def quote(value: Any) -> str:
    return shlex.quote("" if value is None else str(value))


def _path(value: Any) -> str:
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def splitext(value: Any) -> list[str]:
    return list(posixpath.splitext(_path(value)))


def relpath(value: Any, start: str) -> str:
    return posixpath.relpath(_path(value), start)


# -- sizes ---------------------------------------------------------------------------

_UNITS = "BKMGTPEZY"


def human_readable(size: Any, isbits: bool = False, unit: str | None = None) -> str:
    """``1048576`` -> ``1.00 MB``, the largest unit (steps of 1024, for bits too) that
    keeps the number >= 1; plain units are spelled ``Bytes``/``bits``."""
    try:
        number = float(size)
    except (TypeError, ValueError):
        raise FilterError(f"human_readable: {size!r} is not a number") from None
    if unit is not None:
        if unit[0].upper() not in _UNITS:
            raise FilterError(f"human_readable: unknown unit {unit!r} (one of {', '.join(_UNITS)})")
        index = _UNITS.index(unit[0].upper())
    else:
        index = 0
        while index < len(_UNITS) - 1 and abs(number) >= 1024 ** (index + 1):
            index += 1
    value = number / 1024 ** index
    if index == 0:
        name = "bits" if isbits else "Bytes"
    else:
        name = _UNITS[index] + ("b" if isbits else "B")
    return f"{value:.2f} {name}"


def human_to_bytes(value: Any, default_unit: str | None = None, isbits: bool | None = None) -> int:
    """``"1.5 KB"`` -> ``1536``; ``"10 Mb"`` counts bits (``isbits=True`` requires them)."""
    import re

    m = re.fullmatch(r"\s*(-?\d+(?:\.\d*)?)\s*([A-Za-z]*)\s*", str(value))
    if not m:
        raise FilterError(f"human_to_bytes: can't interpret {value!r}")
    number, unit = float(m.group(1)), m.group(2) or default_unit or "B"
    letter = unit[0].upper()
    if letter not in _UNITS:
        raise FilterError(f"human_to_bytes: unknown unit {unit!r} in {value!r}")
    in_bits = unit[-1] == "b" if len(unit) > 1 else unit == "b"
    if isbits is not None and len(unit) > 1 and in_bits != isbits:
        raise FilterError(f"human_to_bytes: {value!r} is not in {'bits' if isbits else 'bytes'}")
    return int(round(number * 1024 ** _UNITS.index(letter)))


# -- time ----------------------------------------------------------------------------


def strftime(fmt: str, second: Any = None, utc: bool = False) -> str:
    if second is None:
        moment = time.time()
    else:
        try:
            moment = float(second)
        except (TypeError, ValueError):
            raise FilterError(f"strftime: invalid value {second!r} for 'second'") from None
    struct = time.gmtime(moment) if utc else time.localtime(moment)
    return time.strftime(str(fmt), struct)


def to_datetime(value: Any, fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime.datetime:
    return datetime.datetime.strptime(str(value), fmt)


def to_uuid(value: Any, namespace: Any = UUID_NAMESPACE_ANSIBLE) -> str:
    ns = namespace if isinstance(namespace, uuid.UUID) else uuid.UUID(str(namespace))
    return str(uuid.uuid5(ns, str(value)))


FILTERS: dict[str, Any] = {
    "bool": to_bool,
    "mandatory": mandatory,
    "ternary": ternary,
    "type_debug": type_debug,
    "split": split,
    "quote": quote,
    "basename": lambda p: posixpath.basename(_path(p)),
    "dirname": lambda p: posixpath.dirname(_path(p)),
    "expanduser": lambda p: os.path.expanduser(_path(p)),
    "expandvars": lambda p: os.path.expandvars(_path(p)),
    "realpath": lambda p: os.path.realpath(_path(p)),
    "relpath": relpath,
    "splitext": splitext,
    "win_basename": lambda p: ntpath.basename(_path(p)),
    "win_dirname": lambda p: ntpath.dirname(_path(p)),
    "human_readable": human_readable,
    "human_to_bytes": human_to_bytes,
    "strftime": strftime,
    "to_datetime": to_datetime,
    "to_uuid": to_uuid,
}
