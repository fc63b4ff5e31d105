"""Where a templated value was written, so an error rendering it can name that place.

ansible-playbook 2.19 ends the ``[ERROR]`` block of a template failure with the origin of
the value whose template failed (``Origin: vars/main.yml:3:12`` for a variable defined in
a vars file or a role's defaults, the task argument's own place for a task argument),
not only the task. ftl-tui keeps that place on the text itself: every string holding a
template in a YAML file the playbook loader reads becomes :class:`OriginText` (a ``str``
that also knows ``file:line:col``). It survives the variable layering (the same object
moves from one mapping to the next), and the templar copies it onto the error raised
while rendering it (the innermost value wins, as in Ansible's ``caused by`` chain).
"""

from __future__ import annotations

import os
from typing import Any

_MARKERS = ("{{", "{%")


class OriginText(str):
    """A template string and where it was written (``file:line:col``)."""

    __slots__ = ("origin",)
    origin: str

    def __new__(cls, text: str, origin: str) -> OriginText:
        obj = super().__new__(cls, text)
        obj.origin = origin
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (OriginText, (str(self), self.origin))


def origin_of(value: Any) -> str | None:
    return getattr(value, "origin", None) if isinstance(value, OriginText) else None


def _marked(value: Any, file: str, pos: Any) -> Any:
    if type(value) is str and pos and pos[0] and any(m in value for m in _MARKERS):
        return OriginText(value, f"{file}:{pos[0]}:{pos[1]}")
    mark_origins(value, file)
    return value


def mark_origins(data: Any, file: str) -> Any:
    """Every template string in ``data`` (read with positions) made :class:`OriginText`,
    in place; returns ``data``."""
    file = os.path.abspath(file)
    if isinstance(data, dict):
        positions = getattr(data, "value_pos", None) or {}
        for key, value in list(data.items()):
            data[key] = _marked(value, file, positions.get(key))
    elif isinstance(data, list):
        positions = getattr(data, "item_pos", None) or []
        for i, value in enumerate(data):
            data[i] = _marked(value, file, positions[i] if i < len(positions) else None)
    return data


def attach(exc: BaseException, value: Any) -> None:
    """Name ``value``'s origin on ``exc`` unless a deeper value already did."""
    origin = origin_of(value)
    if origin and not getattr(exc, "ftl_origin", None):
        try:
            exc.ftl_origin = origin  # type: ignore[attr-defined]
        except AttributeError:
            pass
