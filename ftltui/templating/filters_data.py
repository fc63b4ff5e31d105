"""Ansible's filters on data: merging dicts, reshaping lists, set operations, random picks.

Written from ``ansible-doc -t filter NAME`` (ansible-core 2.19); compared with Ansible by
tests/playbook/test_jinja_oracle.py.
"""

from __future__ import annotations

import itertools
import random as _random
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import pass_environment
from jinja2.runtime import Undefined

from ftltui.templating.filters_core import FilterError

LIST_MERGE = ("replace", "keep", "append", "prepend", "append_rp", "prepend_rp")


def combine(*dicts: Any, recursive: bool = False, list_merge: str = "replace") -> dict[str, Any]:
    """Later dicts win; ``recursive`` merges nested dicts; ``list_merge`` says how two
    lists under the same key meet. Lists of dicts in the arguments are flattened first."""
    if list_merge not in LIST_MERGE:
        raise FilterError(f"combine: list_merge must be one of {', '.join(LIST_MERGE)}, got {list_merge!r}")
    flat: list[Any] = []
    for d in dicts:
        flat.extend(d if isinstance(d, list) else [d])
    result: dict[str, Any] = {}
    for d in flat:
        if not isinstance(d, Mapping):
            raise FilterError(f"combine: expected dicts, got {type(d).__name__}")
        result = _merge(result, d, recursive, list_merge)
    return result


def _merge(old: Mapping[str, Any], new: Mapping[str, Any], recursive: bool, list_merge: str) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key not in merged:
            merged[key] = value
            continue
        current = merged[key]
        if recursive and isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(current, value, recursive, list_merge)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = _merge_lists(current, value, list_merge)
        else:
            merged[key] = value
    return merged


def _merge_lists(old: list[Any], new: list[Any], how: str) -> list[Any]:
    if how == "replace":
        return list(new)
    if how == "keep":
        return list(old)
    if how == "append":
        return old + new
    if how == "prepend":
        return new + old
    if how == "append_rp":
        return [x for x in old if x not in new] + new
    return new + [x for x in old if x not in new]  # prepend_rp


def dict2items(value: Any, key_name: str = "key", value_name: str = "value") -> list[dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise FilterError(f"dict2items requires a dictionary, got {type(value).__name__} instead.")
    return [{key_name: k, value_name: v} for k, v in value.items()]


def items2dict(value: Any, key_name: str = "key", value_name: str = "value") -> dict[Any, Any]:
    out = {}
    for item in value:
        if not isinstance(item, Mapping):
            raise FilterError(f"items2dict requires a list of dictionaries, got {type(item).__name__} in the list")
        try:
            out[item[key_name]] = item[value_name]
        except KeyError as exc:
            raise FilterError(f"items2dict: an item has no {exc.args[0]!r} key: {dict(item)!r}") from None
    return out


def flatten(value: Any, levels: int | None = None, skip_nulls: bool = True) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if skip_nulls and item in (None, "None", "null"):
            continue
        if isinstance(item, (list, tuple)):
            if levels is None:
                out.extend(flatten(item, None, skip_nulls))
            elif levels > 1:
                out.extend(flatten(item, levels - 1, skip_nulls))
            else:
                out.extend(item) if levels == 1 else out.append(item)
        else:
            out.append(item)
    return out


@pass_environment
def unique(env: Any, value: Iterable[Any], case_sensitive: bool = False, attribute: str | None = None) -> list[Any]:
    out: list[Any] = []
    seen: list[Any] = []
    for item in value:
        key = env.getitem(item, attribute) if attribute is not None else item
        if isinstance(key, Undefined):
            raise FilterError(f"unique: an item has no attribute {attribute!r}")
        if not case_sensitive and isinstance(key, str):
            key = key.lower()
        if key not in seen:
            seen.append(key)
            out.append(item)
    return out


def _uniq(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def union(a: Any, b: Any) -> list[Any]:
    return _uniq(list(a) + list(b))


def intersect(a: Any, b: Any) -> list[Any]:
    other = list(b)
    return _uniq(x for x in a if x in other)


def difference(a: Any, b: Any) -> list[Any]:
    other = list(b)
    return _uniq(x for x in a if x not in other)


def symmetric_difference(a: Any, b: Any) -> list[Any]:
    a, b = list(a), list(b)
    return _uniq([x for x in a if x not in b] + [x for x in b if x not in a])


def zip_filter(*lists: Any) -> list[list[Any]]:
    return [list(t) for t in zip(*lists)]


def zip_longest(*lists: Any, fillvalue: Any = None) -> list[list[Any]]:
    return [list(t) for t in itertools.zip_longest(*lists, fillvalue=fillvalue)]


def product(*lists: Any, repeat: int = 1) -> list[list[Any]]:
    return [list(t) for t in itertools.product(*lists, repeat=repeat)]


def permutations(value: Any, r: int | None = None) -> list[list[Any]]:
    return [list(t) for t in itertools.permutations(value, r)]


def combinations(value: Any, r: int) -> list[list[Any]]:
    return [list(t) for t in itertools.combinations(value, r)]


def random_filter(end: Any, start: Any = None, step: Any = 1, seed: Any = None) -> Any:
    """A random element of a sequence, or a number in ``range(start, end, step)``;
    with ``seed`` the same pick every time (Python's Random seeded with it)."""
    rng = _random.Random(seed) if seed is not None else _random.SystemRandom()
    if isinstance(end, int) and not isinstance(end, bool):
        return rng.randrange(start or 0, end, step)
    if isinstance(end, (str, list, tuple, Mapping)) or hasattr(end, "__iter__"):
        if start is not None:
            raise FilterError("random: start and step can only be used with integer values")
        return rng.choice(list(end))
    raise FilterError(f"random: can only be used on sequences and integers, not {type(end).__name__}")


def shuffle(value: Any, seed: Any = None) -> list[Any]:
    items = list(value)
    rng = _random.Random(seed) if seed is not None else _random.SystemRandom()
    rng.shuffle(items)
    return items


@pass_environment
def extract(env: Any, item: Any, container: Any, morekeys: Any = None) -> Any:
    value = env.getitem(container, item)
    keys = [] if morekeys is None else (morekeys if isinstance(morekeys, list) else [morekeys])
    for key in keys:
        value = env.getitem(value, key)
    return value


def subelements(value: Any, subelement: str, skip_missing: bool = False) -> list[list[Any]]:
    items = list(value.values()) if isinstance(value, Mapping) else list(value)
    out: list[list[Any]] = []
    for item in items:
        sub = item
        for part in subelement.split("."):
            if isinstance(sub, Mapping) and part in sub:
                sub = sub[part]
            elif skip_missing:
                sub = []
                break
            else:
                raise FilterError(f"subelements: could not find {subelement!r} in {item!r}")
        if not isinstance(sub, list):
            raise FilterError(f"subelements: the key {subelement!r} should point to a list, got {sub!r}")
        out.extend([item, s] for s in sub)
    return out


FILTERS: dict[str, Any] = {
    "combine": combine,
    "dict2items": dict2items,
    "items2dict": items2dict,
    "flatten": flatten,
    "unique": unique,
    "union": union,
    "intersect": intersect,
    "difference": difference,
    "symmetric_difference": symmetric_difference,
    "zip": zip_filter,
    "zip_longest": zip_longest,
    "product": product,
    "permutations": permutations,
    "combinations": combinations,
    "random": random_filter,
    "shuffle": shuffle,
    "extract": extract,
    "subelements": subelements,
}
