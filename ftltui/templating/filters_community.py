"""The most used ``community.general`` filters, written for ftl-tui from their documentation.

The collection's own filter plugins import ``ansible``, which ftl-tui never imports, so
they are implemented here under their fully qualified names (``community.general.NAME``):
``dict_kv``, ``dict``, ``counter``, ``groupby_as_dict``, ``json_query`` (through
``jmespath`` when it is installed, else a clear error, as Ansible's), ``version_sort``,
``lists_mergeby``, ``lists_union``/``lists_intersect``/``lists_difference``/
``lists_symmetric_difference``, ``unicode_normalize`` and the duration filters
``to_time_unit``, ``to_milliseconds``, ``to_seconds``, ``to_minutes``, ``to_hours``,
``to_days``, ``to_weeks``, ``to_months``, ``to_years``. Any other collection filter is
refused at ``--syntax-check`` (``ftltui.playbook.template_check``) naming the filter.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from ftltui.templating.filters_core import FilterError
from ftltui.templating.filters_data import combine
from ftltui.templating.filters_formats import plain
from ftltui.templating.versions import _cmp_loose

PREFIX = "community.general."


def dict_kv(value: Any, key: Any) -> dict[Any, Any]:
    """``'v' | dict_kv('k')`` -> ``{'k': 'v'}``."""
    return {key: value}


def to_dict(sequence: Any) -> dict[Any, Any]:
    """A list of key/value pairs as a dictionary."""
    try:
        return dict(sequence)
    except (TypeError, ValueError) as exc:
        raise FilterError(f"community.general.dict: expected a list of pairs: {exc}") from None


def counter(sequence: Any) -> dict[Any, int]:
    """How many times each element occurs, in first-seen order."""
    if not isinstance(sequence, Sequence) or isinstance(sequence, (str, bytes)):
        raise FilterError(f"Argument for community.general.counter must be a sequence (string or list). "
                          f"{sequence!r} is {type(sequence).__name__}")
    out: dict[Any, int] = {}
    for item in sequence:
        if not isinstance(item, Hashable):
            raise FilterError("community.general.counter needs a sequence with hashable elements (int, float or "
                              f"str) - {item!r} is {type(item).__name__}")
        out[item] = out.get(item, 0) + 1
    return out


def groupby_as_dict(sequence: Any, attribute: Any) -> dict[Any, Any]:
    """The list of dictionaries as a dictionary keyed by ``attribute`` (unique)."""
    if not isinstance(sequence, Sequence) or isinstance(sequence, (str, bytes)):
        raise FilterError("Input is not a sequence")
    out: dict[Any, Any] = {}
    for index, item in enumerate(sequence):
        if not isinstance(item, Mapping):
            raise FilterError(f"Sequence element #{index} is not a mapping")
        if attribute not in item:
            raise FilterError(f"Attribute not contained in element #{index} of sequence")
        key = item[attribute]
        if key in out:
            raise FilterError(f"Multiple sequence entries have attribute value {key!r}")
        out[key] = item
    return out


def json_query(data: Any, expr: Any) -> Any:
    """JMESPath ``expr`` over ``data``."""
    try:
        import jmespath  # type: ignore[import]  # untyped, and absent unless installed
    except ImportError:
        raise FilterError('You need to install "jmespath" prior to running json_query filter') from None
    try:
        return jmespath.search(str(expr), plain(data))
    except jmespath.exceptions.JMESPathError as exc:
        raise FilterError(f"JMESPathError in json_query filter plugin:\n{exc}") from None


def version_sort(value: Any, reverse: bool = False) -> list[Any]:
    """Sorted as versions (Ansible's LooseVersion: ``1.10`` after ``1.9``)."""
    return sorted(value, key=functools.cmp_to_key(lambda a, b: _cmp_loose(str(a), str(b))), reverse=bool(reverse))


def lists_mergeby(*terms: Any, recursive: bool = False, list_merge: str = "replace") -> list[Any]:
    """Lists of dictionaries merged by the value of their key ``index`` (the last
    positional argument), sorted by it; ``recursive``/``list_merge`` as ``combine``."""
    if len(terms) < 2:
        raise FilterError("community.general.lists_mergeby: at least one list and an index are required")
    *lists, index = terms
    if not isinstance(index, str):
        raise FilterError(f"community.general.lists_mergeby: the index must be a string, got {type(index).__name__}")
    flat: list[Any] = []
    for i, lst in enumerate(lists):
        if not isinstance(lst, Sequence) or isinstance(lst, (str, bytes)):
            raise FilterError(f"community.general.lists_mergeby: all arguments before the index must be lists. "
                              f"{lst!r} is {type(lst).__name__}")
        if len(lists) == 1 and i == 0 and all(isinstance(x, Sequence) and not isinstance(x, (str, bytes))
                                              for x in lst) and lst:
            for inner in lst:  # [list1, list2] | lists_mergeby('index')
                flat.extend(inner)
        else:
            flat.extend(lst)
    merged: dict[Any, dict[str, Any]] = {}
    for item in flat:
        if not isinstance(item, Mapping):
            raise FilterError(f"community.general.lists_mergeby: elements of the lists must be dictionaries. "
                              f"{item!r} is {type(item).__name__}")
        if index not in item:
            raise FilterError(f"community.general.lists_mergeby: the index {index!r} is missing from {item!r}")
        key = item[index]
        merged[key] = combine(merged[key], item, recursive=bool(recursive), list_merge=list_merge) \
            if key in merged else dict(item)
    try:
        keys = sorted(merged)
    except TypeError:
        raise FilterError("community.general.lists_mergeby: the index values cannot be sorted (mixed types)") from None
    return [merged[k] for k in keys]


def _unique(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def _lists(name: str, lists: tuple[Any, ...], flatten: bool) -> list[list[Any]]:
    if len(lists) < 2:
        raise FilterError(f"community.general.{name}: at least two lists are required")
    out = []
    for lst in lists:
        if not isinstance(lst, Sequence) or isinstance(lst, (str, bytes)):
            raise FilterError(f"community.general.{name}: all arguments must be lists. {lst!r} is "
                              f"{type(lst).__name__}")
        out.append(_flatten(list(lst)) if flatten else list(lst))
    return out


def _flatten(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in items:
        if isinstance(x, (list, tuple)):
            out.extend(_flatten(list(x)))
        else:
            out.append(x)
    return out


def lists_union(*lists: Any, flatten: bool = False) -> list[Any]:
    return _unique([x for lst in _lists("lists_union", lists, flatten) for x in lst])


def lists_intersect(*lists: Any, flatten: bool = False) -> list[Any]:
    first, *rest = _lists("lists_intersect", lists, flatten)
    return _unique([x for x in first if all(x in other for other in rest)])


def lists_difference(*lists: Any, flatten: bool = False) -> list[Any]:
    first, *rest = _lists("lists_difference", lists, flatten)
    return _unique([x for x in first if not any(x in other for other in rest)])


def lists_symmetric_difference(*lists: Any, flatten: bool = False) -> list[Any]:
    result, *rest = _lists("lists_symmetric_difference", lists, flatten)
    result = _unique(result)
    for other in rest:
        other = _unique(other)
        result = [x for x in result if x not in other] + [x for x in other if x not in result]
    return result


def unicode_normalize(data: Any, form: str = "NFC") -> str:
    if not isinstance(data, str):
        raise FilterError(f"The community.general.unicode_normalize filter input must be a string, got "
                          f"{type(data).__name__}")
    if form not in ("NFC", "NFD", "NFKC", "NFKD"):
        raise FilterError(f"The community.general.unicode_normalize form must be one of NFC, NFD, NFKC, NFKD, "
                          f"got {form!r}")
    return unicodedata.normalize(form, data)  # type: ignore[arg-type]


# -- durations --------------------------------------------------------------------------

_FACTORS: dict[str, list[float]] = {
    "ms": [], "s": [1000], "m": [1000, 60], "h": [1000, 60, 60], "d": [1000, 60, 60, 24],
    "w": [1000, 60, 60, 24, 7], "mo": [1000, 60, 60, 24, 30], "y": [1000, 60, 60, 24, 365],
}
_LONG = {"millisecond": "ms", "msec": "ms", "msecond": "ms", "sec": "s", "second": "s", "hour": "h", "min": "m",
         "minute": "m", "day": "d", "week": "w", "month": "mo", "year": "y"}
_PART = re.compile(r"(-?\d+)(\w+)")


def _short(unit: str) -> str:
    return _LONG.get(unit.rstrip("s"), unit)


def to_time_unit(human_time: Any, unit: str = "ms", **kwargs: Any) -> float:
    """``'3h -5m 6s'`` in ``unit``: each part an integer (optionally negative) and a unit
    (``y``/``year``, ``mo``/``month``, ``w``/``week``, ``d``/``day``, ``h``/``hour``,
    ``m``/``min``/``minute``, ``s``/``sec``/``second``, ``ms``/``msec``/``millisecond``,
    plural ``s`` allowed); ``year``/``month``: days in one (365, 30)."""
    factors = {k: list(v) for k, v in _FACTORS.items()}
    unit = _short(str(unit))
    if unit not in factors:
        raise FilterError(f"to_time_unit() can not convert to the following unit: {unit}. Available units "
                          f"(singular or plural): {', '.join(_LONG)}. Available short units: "
                          f"{', '.join(_FACTORS)}")
    if "year" in kwargs:
        factors["y"] = factors["y"][:-1] + [float(kwargs.pop("year"))]
    if "month" in kwargs:
        factors["mo"] = factors["mo"][:-1] + [float(kwargs.pop("month"))]
    if kwargs:
        raise FilterError(f"to_time_unit() got unknown keyword arguments: {', '.join(kwargs)}")
    total = 0.0
    for part in str(human_time).split():
        m = _PART.match(part)
        if not m:
            raise FilterError(f"to_time_unit() can not interpret following string: {human_time}")
        part_unit = _short(m.group(2))
        if part_unit not in factors:
            raise FilterError(f"to_time_unit() can not interpret following string: {human_time}")
        total += int(m.group(1)) * math.prod(factors[part_unit])
    return round(total / math.prod(factors[unit]), 12)


def _unit(unit: str) -> Callable[..., float]:
    def convert(human_time: Any, **kwargs: Any) -> float:
        return to_time_unit(human_time, unit, **kwargs)

    convert.__name__ = f"to_{unit}"
    return convert


FILTERS: dict[str, Any] = {PREFIX + k: v for k, v in {
    "dict_kv": dict_kv, "dict": to_dict, "counter": counter, "groupby_as_dict": groupby_as_dict,
    "json_query": json_query, "version_sort": version_sort, "lists_mergeby": lists_mergeby,
    "lists_union": lists_union, "lists_intersect": lists_intersect, "lists_difference": lists_difference,
    "lists_symmetric_difference": lists_symmetric_difference, "unicode_normalize": unicode_normalize,
    "to_time_unit": to_time_unit, "to_milliseconds": _unit("ms"), "to_seconds": _unit("s"),
    "to_minutes": _unit("m"), "to_hours": _unit("h"), "to_days": _unit("d"), "to_weeks": _unit("w"),
    "to_months": _unit("mo"), "to_years": _unit("y"),
}.items()}
