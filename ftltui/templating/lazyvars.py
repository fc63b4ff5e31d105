"""The variables a template sees, rendered only when a template looks one up.

A playbook's variables may be templates themselves (``a: "{{ b }}"``, ``b: 1``). Ansible
renders such a value when it is used, in the context of the use (a task var that says
``{{ item }}`` sees the loop's item). ``LazyVars`` is that: a read-only view over the
runner's mapping (never copied) that renders a value on lookup, recursively, with a
depth bound and loop detection shared by every view of one render.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ftltui.errors import TemplateError

if TYPE_CHECKING:
    from ftltui.templating.render import Templar

MAX_DEPTH = 32  # variables that name variables that name variables ...


class UnsafeText(str):
    """Text that is data, never a template (registered results, facts, remote output):
    Ansible's ``!unsafe``. Rendering returns it as is."""

    __slots__ = ()


def unsafe(value: Any) -> Any:
    """``value`` with every string in it marked :class:`UnsafeText` (never templated)."""
    if isinstance(value, str):
        return value if isinstance(value, UnsafeText) else UnsafeText(value)
    if isinstance(value, Mapping):
        return {k: unsafe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [unsafe(v) for v in value]
    return value


class Resolving:
    """The chain of variable names being rendered right now (one per top-level render)."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names: list[str] = []

    def enter(self, name: str) -> None:
        if name in self.names:
            chain = " -> ".join([*self.names[self.names.index(name):], name])
            raise TemplateError(f"recursive loop detected in template: {chain}")
        if len(self.names) >= MAX_DEPTH:
            raise TemplateError(f"variables nest deeper than {MAX_DEPTH} levels: {' -> '.join(self.names)}")
        self.names.append(name)

    def leave(self) -> None:
        self.names.pop()


class LazyVars(Mapping[str, Any]):
    """The Jinja2 context's parent: ``variables``, then the environment's globals."""

    __slots__ = ("globals", "templar", "variables")

    def __init__(self, templar: Templar, variables: Mapping[str, Any], globals_: Mapping[str, Any]) -> None:
        self.templar = templar
        self.variables = variables
        self.globals = globals_

    def __getitem__(self, name: str) -> Any:
        try:
            raw = self.variables[name]
        except KeyError:
            return self.globals[name]
        return self.templar.resolve_variable(name, raw)

    def __contains__(self, name: object) -> bool:
        return name in self.variables or name in self.globals

    def __iter__(self) -> Iterator[str]:
        seen = set()
        for name in self.variables:
            seen.add(name)
            yield name
        for name in self.globals:
            if name not in seen:
                yield name

    def __len__(self) -> int:
        return len(set(self.variables) | set(self.globals))
