"""The mutable inventory that parsers fill in, with Ansible's bookkeeping rules.

Every format (YAML, INI, host lists) calls the same few operations, in file order, so
the resulting order of hosts, groups and children is the order Ansible would record.
:meth:`Builder.reconcile` applies Ansible's finishing rules: top-level groups become
children of ``all``, hosts in no group go to ``ungrouped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftltui.errors import InventoryError, Location
from ftltui.inventory.model import Group


@dataclass
class HostRecord:
    """A host as declared: its inline vars and the groups it was put in directly."""

    name: str
    vars: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the inventory file that first declared it


class Builder:
    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.hosts: dict[str, HostRecord] = {}
        self.current_source = ""
        self.warnings: list[str] = []  # "file:line:col: what was skipped" (Ansible warns and goes on)
        self._members: dict[str, set[str]] = {}  # group -> direct hosts, for O(1) dedup
        for name in ("all", "ungrouped"):
            self.add_group(name)
        self.add_child("all", "ungrouped")

    def warn(self, message: str, loc: Location | None = None) -> None:
        self.warnings.append(f"{loc}: {message}" if loc else message)

    # -- declarations ------------------------------------------------------------------
    def add_group(self, name: str, loc: Location | None = None) -> str:
        if not isinstance(name, str) or not name:
            raise InventoryError(f"expected a non-empty group name, got {name!r}", loc)
        if name not in self.groups:
            self.groups[name] = Group(name)
        return name

    def add_host(self, name: str, group: str | None, port: int | None, loc: Location | None = None) -> None:
        if not name:
            raise InventoryError("expected a host name, got an empty one", loc)
        if name not in self.hosts:
            self.hosts[name] = HostRecord(name, source=self.current_source)
            if port:
                self.hosts[name].vars["ansible_port"] = int(port)
        if group:
            seen = self._members.setdefault(group, set())
            if name not in seen:
                seen.add(name)
                self.groups[group].hosts.append(name)

    def _set(self, entity: str, key: Any, value: Any, loc: Location | None) -> None:
        # Ansible looks a name up among groups first, even when a host var is meant.
        if not isinstance(key, str):
            raise InventoryError(f"expected a variable name (a string), got {key!r}", loc)
        if entity in self.groups:
            group = self.groups[entity]
            if key == "ansible_group_priority":
                try:
                    group.priority = int(value)
                except (TypeError, ValueError):
                    raise InventoryError(
                        f"expected an integer for ansible_group_priority of '{entity}', got {value!r}", loc
                    ) from None
            else:
                group.vars[key] = value
        else:
            self.hosts[entity].vars[key] = value

    def set_group_var(self, group: str, key: Any, value: Any, loc: Location | None = None) -> None:
        self._set(group, key, value, loc)

    def set_host_var(self, host: str, key: Any, value: Any, loc: Location | None = None) -> None:
        self._set(host, key, value, loc)

    def add_child(self, parent: str, child: str, loc: Location | None = None) -> None:
        """Make ``child`` (a group or a host) a member of group ``parent``."""
        if parent not in self.groups:
            raise InventoryError(f"'{parent}' is not a known group", loc)
        if child not in self.groups:
            if child in self.hosts:
                self.add_host(child, parent, None, loc)
                return
            raise InventoryError(f"'{child}' is not a known host nor group", loc)
        if child == parent:
            raise InventoryError(f"group '{parent}' cannot be a child of itself", loc)
        p, c = self.groups[parent], self.groups[child]
        if child in p.children:
            return
        if child in self._ancestors(parent) or child == "all":
            raise InventoryError(
                f"adding group '{child}' as a child of '{parent}' creates a dependency loop", loc
            )
        p.children.append(child)
        if parent not in c.parents:
            c.parents.append(parent)

    # -- queries -----------------------------------------------------------------------
    def _ancestors(self, group: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.groups[group].parents)
        while todo:
            g = todo.pop()
            if g not in seen:
                seen.add(g)
                todo.extend(self.groups[g].parents)
        return seen

    # -- finishing ---------------------------------------------------------------------
    def reconcile(self) -> None:
        for g in list(self.groups.values()):
            if g.name != "all" and not g.parents:
                self.add_child("all", g.name)
        ungrouped = self.groups["ungrouped"]
        membership = self._membership()
        drop: set[str] = set()
        for name in self.hosts:
            mine = membership.get(name, set())
            if "ungrouped" in mine:
                if mine - {"all", "ungrouped"}:
                    drop.add(name)
            elif not mine - {"all"}:
                self.add_host(name, "ungrouped", None)
        if drop:
            ungrouped.hosts[:] = [h for h in ungrouped.hosts if h not in drop]
            self._members["ungrouped"] -= drop
        self._set_depths()

    def _membership(self) -> dict[str, set[str]]:
        anc = {g: self._ancestors(g) for g in self.groups}
        out: dict[str, set[str]] = {}
        for g in self.groups.values():
            for h in g.hosts:
                out.setdefault(h, set()).update({g.name} | anc[g.name])
        return out

    def _set_depths(self) -> None:
        """Depth = longest path from ``all``, which is where Ansible's incremental updates end up."""
        depth: dict[str, int] = {"all": 0}
        order = self._topological()
        for name in order:
            for child in self.groups[name].children:
                depth[child] = max(depth.get(child, 0), depth.get(name, 0) + 1)
        for name, g in self.groups.items():
            g.depth = depth.get(name, 0)

    def _topological(self) -> list[str]:
        indeg = {n: len(g.parents) for n, g in self.groups.items()}
        ready = [n for n, d in indeg.items() if d == 0]
        out: list[str] = []
        while ready:
            n = ready.pop(0)
            out.append(n)
            for c in self.groups[n].children:
                indeg[c] -= 1
                if indeg[c] == 0:
                    ready.append(c)
        return out
