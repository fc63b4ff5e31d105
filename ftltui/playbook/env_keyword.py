"""The ``environment`` keyword: what a task's module process gets, from play, role, block
and task levels (ansible-core 2.19's documentation of the keyword is the spec).

- Each level may give a mapping, a list of mappings, or a template that renders to a
  mapping; outer levels come first and inner ones win, name by name (a plain update:
  values are not merged any deeper).
- Values are rendered with the task's variables (per loop item) and handed over as text,
  as Ansible does (``true`` becomes ``True``, ``12`` becomes ``12``).
- A level that does not render to a mapping is skipped with Ansible's warning; a
  template that fails fails the task (for every task, as Ansible renders the keyword
  before it runs anything), but only modules get the result: never the controller.

The values may be secrets (a vault variable): they are returned to the caller only, who
passes them to the executor; nothing here logs or stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ftltui.errors import FtlError


def task_environment(levels: Iterable[Any], task_value: Any, templar: Any,
                     warn: Callable[[str], None]) -> dict[str, str] | None:
    """The merged environment for one host's run of a task, or None when there is none.

    ``levels`` are the enclosing objects' values (outermost first, see ``Scope``);
    ``task_value`` is the task's own ``environment``.
    """
    entries = [entry for level in [*levels, task_value] for entry in _entries(level)]
    if not entries:
        return None
    merged: dict[str, str] = {}
    for entry in entries:
        try:
            value = templar.render(entry)
        except FtlError as exc:
            raise FtlError(f"Error processing keyword 'environment': {exc.message}", exc.location) from None
        if not isinstance(value, Mapping):
            warn(f"could not parse environment value, skipping: {_shown(entry)}")
            continue
        for name, item in value.items():
            merged[str(name)] = str(item)  # plain text: a marked (unsafe) string loses its mark
    return merged or None


def _entries(level: Any) -> list[Any]:
    """One level's mappings or templates, in order (an empty level adds nothing)."""
    if level is None:
        return []
    items = level if isinstance(level, (list, tuple)) else [level]
    return [item for item in items if item not in (None, "", {})]


def _shown(entry: Any) -> str:
    """The skipped value as written (a template, not its rendering: that may be secret)."""
    text = entry if isinstance(entry, str) else repr(entry)
    return text if len(text) <= 200 else text[:200] + "..."
