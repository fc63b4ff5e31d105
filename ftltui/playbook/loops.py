"""Loop items: ``loop`` and the ``with_<lookup>`` forms, and the per-item variables.

``with_items`` flattens one level, ``with_dict`` gives ``key``/``value`` pairs,
``with_together`` zips (shorter lists padded with None), ``with_sequence`` counts, as
documented for each lookup; the other ``with_*`` go to the template engine's lookups.
"""

from __future__ import annotations

import glob
import itertools
import os
from typing import Any

from ftltui.engine.kvargs import parse_kv
from ftltui.errors import TemplateError

LOOP_KEYS = ("loop",) + tuple(f"with_{k}" for k in (
    "items", "dict", "fileglob", "together", "sequence", "list", "indexed_items", "flattened",
    "nested", "subelements", "random_choice", "first_found", "lines", "file", "env",
))


def loop_keyword(keywords: dict[str, Any]) -> str | None:
    for k in LOOP_KEYS:
        if k in keywords:
            return k
    return None


def loop_items(kind: str, raw: Any, templar: Any, base_dirs: list[str]) -> list[Any]:
    """The items of ``loop``/``with_*`` (already checked present), rendered for one host."""
    value = templar.render(raw)
    if kind == "loop":
        if not isinstance(value, list):
            raise TemplateError(f"Invalid data passed to 'loop', it requires a list, got this instead: {value}. "
                                "Hint: If you passed a list/dict of just one element, try adding wantlist=True "
                                "to your lookup invocation or use q/query instead of lookup.")
        return value
    name = kind[len("with_"):]
    terms = value if isinstance(value, list) else [value]
    if name in ("items", "list"):
        if name == "list":
            return terms
        return [x for t in terms for x in (t if isinstance(t, list) else [t])]
    if name == "flattened":
        return _flatten(terms)
    if name == "indexed_items":
        flat = [x for t in terms for x in (t if isinstance(t, list) else [t])]
        return [[i, x] for i, x in enumerate(flat)]
    if name == "dict":
        if not isinstance(value, dict):
            raise TemplateError(f"with_dict expects a dict, got {type(value).__name__}")
        return [{"key": k, "value": v} for k, v in value.items()]
    if name == "together":
        return [list(t) for t in itertools.zip_longest(*terms)]
    if name == "nested":
        return [list(t) for t in itertools.product(*terms)]
    if name == "sequence":
        return [x for t in terms for x in _sequence(str(t))]
    if name == "fileglob":
        return _fileglob(terms, base_dirs)
    return list(templar.lookup(name, terms))


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for v in value:
        out.extend(_flatten(v) if isinstance(v, list) else [v])
    return out


def _sequence(term: str) -> list[str]:
    """``with_sequence``: ``start=1 end=5 stride=1 format=%d`` or ``[start-]end[/stride][:format]``."""
    args: dict[str, Any] = {}
    if "=" in term:
        args = parse_kv(term)
    else:
        fmt_text: str | None = None
        if ":" in term:
            term, fmt_text = term.split(":", 1)
        stride_text: str | None = None
        if "/" in term:
            term, stride_text = term.split("/", 1)
        if "-" in term:
            start_text, end_text = term.split("-", 1)
            args.update(start=start_text, end=end_text)
        else:
            args["end"] = term
        if stride_text:
            args["stride"] = stride_text
        if fmt_text:
            args["format"] = fmt_text
    start = int(str(args.get("start", 1)), 0)
    stride = int(str(args.get("stride", 1)), 0)
    if "count" in args:
        end = start + (int(str(args["count"]), 0) - 1) * stride
    else:
        end = int(str(args["end"]), 0)
    fmt = str(args.get("format", "%d"))
    if stride == 0:
        return []
    stop = end + (1 if stride > 0 else -1)
    return [fmt % i for i in range(start, stop, stride)]


def _fileglob(terms: list[Any], base_dirs: list[str]) -> list[str]:
    out: list[str] = []
    for t in terms:
        pattern = str(t)
        if os.path.isabs(pattern):
            out.extend(sorted(p for p in glob.glob(pattern) if os.path.isfile(p)))
            continue
        for d in base_dirs:
            found = sorted(p for p in glob.glob(os.path.join(d, "files", pattern)) if os.path.isfile(p)) or \
                sorted(p for p in glob.glob(os.path.join(d, pattern)) if os.path.isfile(p))
            if found:
                out.extend(found)
                break
    return out


def item_vars(items: list[Any], index: int, control: dict[str, Any]) -> dict[str, Any]:
    """The variables of item ``index``: ``loop_var``, ``index_var``, ``ansible_loop``."""
    out: dict[str, Any] = {str(control.get("loop_var") or "item"): items[index]}
    if control.get("index_var"):
        out[str(control["index_var"])] = index
    if control.get("extended"):
        n = len(items)
        loop: dict[str, Any] = {
            "index": index + 1, "index0": index, "revindex": n - index, "revindex0": n - index - 1,
            "first": index == 0, "last": index == n - 1, "length": n,
        }
        if not control.get("extended_allitems") is False:
            loop["allitems"] = items
        if index > 0:
            loop["previtem"] = items[index - 1]
        if index < n - 1:
            loop["nextitem"] = items[index + 1]
        out["ansible_loop"] = loop
    return out


def loop_control(templar: Any, raw: Any) -> dict[str, Any]:
    """``loop_control`` rendered once for the task, all but ``label`` and ``break_when``:
    they name the loop variable (and the registered result), so they are rendered per item,
    after ``when`` (see :func:`item_label`, ``TaskRun._break_when``)."""
    if not isinstance(raw, dict):
        return {}
    return templar.render({k: v for k, v in raw.items() if k not in ("label", "break_when")})


def item_label(item_templar: Any, raw_control: Any, item: Any) -> Any:
    """What ``(item=...)`` shows: ``loop_control.label`` rendered with the item bound, else the item."""
    if isinstance(raw_control, dict) and "label" in raw_control:
        return item_templar.render(raw_control["label"])
    return item
