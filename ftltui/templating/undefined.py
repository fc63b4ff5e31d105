"""Undefined values with Ansible's manners.

Using an undefined value is an error naming the variable (``'x' is undefined``), but
``x is defined``, ``x | default(...)`` and ``x | mandatory`` may look at it. As in
Ansible, attribute and item access on an undefined value stays undefined, so
``x.y.z is defined`` is false (not an error) and ``x.y.z`` used reports ``'x' is undefined``:
the first missing name, which is the one the user has to fix.
"""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined
from jinja2.utils import missing


class ChainedStrictUndefined(StrictUndefined):
    """StrictUndefined whose ``.attr`` and ``[key]`` return itself (the original hint)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    @property
    def _undefined_message(self) -> str:
        # Ansible's wording for a missing key or attribute of a value that exists
        if self._undefined_hint is None and self._undefined_obj is not missing \
                and isinstance(self._undefined_name, str):
            from ftltui.templating.filters_core import type_debug

            kind = type_debug(self._undefined_obj)
            return f"object of type {kind!r} has no attribute {self._undefined_name!r}"
        return str(super()._undefined_message)

    def __repr__(self) -> str:
        return f"Undefined({self._undefined_message})"
