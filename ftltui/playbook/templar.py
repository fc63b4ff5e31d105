"""The runner's one door to the playbook template engine (``ftltui.templating``):
a Templar per host and task, and the ``omit`` test for rendered arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ftltui.templating import OMIT, Templar, is_template

__all__ = ["OMIT", "has_template", "is_omit", "make_templar"]


def make_templar(variables: Mapping[str, Any], base_dir: Path, search_paths: Sequence[Path] = ()) -> Templar:
    """A templar over ``variables`` (``base_dir``: relative files; ``search_paths``: the
    role directories lookups search first)."""
    return Templar(variables, base_dir=base_dir, search_paths=list(search_paths))


def has_template(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(has_template(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_template(v) for v in value)
    return is_template(value)


def is_omit(value: Any) -> bool:
    return value is OMIT
