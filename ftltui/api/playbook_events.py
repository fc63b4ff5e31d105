"""Playbook events back from a playbook job's log records, for ``play``'s outputs.

A playbook job logs each :mod:`ftltui.playbook.events` event as its ``to_dict()``.
A ``play`` client of the owner rebuilds them, field by field from the dataclass
definitions (tuples from JSON lists, the recap's :class:`HostStats`), and feeds them to
the same ``TextOutput``/``JsonOutput`` an in-process ``play`` uses.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any

from ftltui.playbook import events as pe


@cache
def _shape(name: str) -> tuple[type, dict[str, bool]] | None:
    """The event class of a record name and, per field, whether it is a tuple."""
    cls = getattr(pe, name, None)
    if not (isinstance(cls, type) and issubclass(cls, pe.PlaybookEvent) and dataclasses.is_dataclass(cls)):
        return None
    hints = typing.get_type_hints(cls)
    return cls, {f.name: typing.get_origin(hints.get(f.name)) is tuple for f in dataclasses.fields(cls)}


def playbook_event(rec: dict[str, Any]) -> pe.PlaybookEvent | None:
    """The typed event of a log record; ``None`` for records that are not playbook events."""
    name = rec.get("event")
    shape = _shape(name) if isinstance(name, str) else None
    if shape is None:
        return None
    cls, fields = shape
    kwargs: dict[str, Any] = {}
    for fname, is_tuple in fields.items():
        if fname not in rec:
            continue
        value = rec[fname]
        if fname == "stats" and cls is pe.PlaybookFinished:
            value = {host: pe.HostStats(**counts) for host, counts in value.items()}
        elif is_tuple and isinstance(value, list):
            value = tuple(value)
        kwargs[fname] = value
    event: pe.PlaybookEvent = cls(**kwargs)
    return event
