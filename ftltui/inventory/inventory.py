"""The loaded inventory: hosts with fully merged vars, groups, pattern selection, Ansible-shaped output."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from ftltui.errors import PatternError
from ftltui.inventory.builder import Builder
from ftltui.inventory.model import Group, Host
from ftltui.inventory.patterns import LOCALHOST_NAMES, Selection, evaluate
from ftltui.inventory.vars_files import VarsDirs
from ftltui.vault import VaultKeyring, to_listing

# Ansible's ``ansible-inventory`` strips these from host vars (they are magic, not inventory).
INTERNAL_VARS = frozenset({"inventory_file", "inventory_dir", "inventory_hostname", "inventory_hostname_short", "group_names", "groups", "omit", "playbook_dir", "ansible_facts"})


class Inventory:
    """Hosts and groups in Ansible's order; ``hosts[name].vars`` has precedence applied.

    The implicit ``localhost`` (connection local, this Python) answers patterns and
    :meth:`host` like Ansible's, but is never in ``all`` or in :attr:`hosts`.
    """

    def __init__(self, builder: Builder, sources: list[str], vars_dirs: list[VarsDirs]) -> None:
        self.sources = sources
        self.vault: VaultKeyring | None = None  # the keyring it was loaded with (its passwords are secrets)
        self.groups: dict[str, Group] = builder.groups
        self._vars_dirs = vars_dirs
        self._gv_cache: dict[tuple[int, str], dict[str, Any]] = {}
        self._implicit: Host | None = None
        self.last_unmatched: list[str] = []
        self.warnings: list[str] = list(builder.warnings)  # what was skipped while loading
        # Inline vars drive the merge; Group.vars then also shows the group_vars/ files.
        self._inline: dict[str, dict[str, Any]] = {n: dict(g.vars) for n, g in self.groups.items()}
        membership = builder._membership()
        self.hosts: dict[str, Host] = {}
        for name, rec in builder.hosts.items():
            mine = membership.get(name, set()) - {"all"}
            self.hosts[name] = Host(name, self._merge(name, rec.vars, mine), tuple(sorted(mine)))
        for g in self.groups.values():
            for i in range(len(vars_dirs)):
                g.vars.update(self._group_file_vars(i, g.name))
        self._all_hosts = self._walk_hosts("all")

    # -- variable precedence -----------------------------------------------------------
    def _group_file_vars(self, idx: int, group: str) -> dict[str, Any]:
        key = (idx, group)
        if key not in self._gv_cache:
            self._gv_cache[key] = self._vars_dirs[idx].group_vars(group)
        return self._gv_cache[key]

    def sorted_groups(self, names: Iterable[str]) -> list[Group]:
        """Ansible's merge order: shallow groups first, then ``ansible_group_priority``, then name."""
        return sorted((self.groups[n] for n in names), key=lambda g: (g.depth, g.priority, g.name))

    def _merge(self, host: str, inline: dict[str, Any], groups: Iterable[str]) -> dict[str, Any]:
        """all < groups (inline) < group_vars/all < group_vars/<g> < host inline < host_vars/."""
        ordered = self.sorted_groups(g for g in groups if g != "all")
        out: dict[str, Any] = dict(self._inline["all"])
        for g in ordered:
            out.update(self._inline[g.name])
        for i in range(len(self._vars_dirs)):
            out.update(self._group_file_vars(i, "all"))
        for i in range(len(self._vars_dirs)):
            for g in ordered:
                out.update(self._group_file_vars(i, g.name))
        out.update(inline)
        for vd in self._vars_dirs:
            out.update(vd.host_vars(host))
        return out

    # -- hosts in group order ----------------------------------------------------------
    def _walk_hosts(self, group: str) -> list[str]:
        """Hosts of a group and its descendants: the group, its children, grandchildren, ..."""
        order = [group]
        seen = {group}
        level = [group]
        while level:
            nxt: list[str] = []
            for g in level:
                for c in self.groups[g].children:
                    if c not in seen:
                        seen.add(c)
                        nxt.append(c)
            order.extend(nxt)
            level = nxt
        out: dict[str, None] = {}
        for g in order:
            for h in self.groups[g].hosts:
                out.setdefault(h, None)
        return list(out)

    # PatternSource protocol
    def group_names(self) -> list[str]:
        return list(self.groups)

    def host_names(self) -> list[str]:
        return list(self.hosts)

    def group_host_names(self, group: str) -> list[str]:
        return list(self._all_hosts) if group == "all" else self._walk_hosts(group)

    def localhost_alias(self, name: str) -> str | None:
        for h in self.hosts:
            if h in LOCALHOST_NAMES:
                return h
        return self._implicit_localhost(name).name

    def _implicit_localhost(self, name: str) -> Host:
        if self._implicit is None:
            inline = {"ansible_python_interpreter": sys.executable or "/usr/bin/python3", "ansible_connection": "local"}
            merged = dict(self._inline["all"])
            for i in range(len(self._vars_dirs)):
                merged.update(self._group_file_vars(i, "all"))
            merged.update(inline)
            for vd in self._vars_dirs:
                merged.update(vd.host_vars(name))
            self._implicit = Host(name, merged, ())
        return self._implicit

    # -- public API --------------------------------------------------------------------
    def select_detailed(self, pattern: str) -> Selection:
        """Names selected by ``pattern`` and the terms that matched nothing."""
        sel = evaluate(pattern, self)
        self.last_unmatched = sel.unmatched
        return sel

    def select(self, pattern: str) -> list[Host]:
        """Hosts matching an Ansible host pattern, in inventory order (unmatched names: see last_unmatched)."""
        return [self.host(n) for n in self.select_detailed(pattern).hosts]  # type: ignore[misc]

    def host(self, name: str) -> Host | None:
        """A host by name; ``localhost``/``127.0.0.1``/``::1`` give the implicit localhost if absent."""
        if name in self.hosts:
            return self.hosts[name]
        if name in LOCALHOST_NAMES:
            alias = self.localhost_alias(name)
            return self.hosts.get(alias) if alias in self.hosts else self._implicit
        return None

    def require_host(self, name: str) -> Host:
        h = self.host(name)
        if h is None:
            raise PatternError(f"no host named '{name}' in the inventory")
        return h

    def hostvars(self, name: str) -> dict[str, Any]:
        """Host vars as ``ansible-inventory --host`` prints them (magic vars removed).

        Inline vault values show as ``{"__ansible_vault": envelope}`` (as Ansible prints
        them); values from wholly encrypted files as ``********`` (Ansible prints those).
        """
        return {k: to_listing(v) for k, v in self.require_host(name).vars.items() if k not in INTERNAL_VARS}

    def groups_magic(self) -> dict[str, list[str]]:
        """Ansible's ``groups`` template variable: every group -> all its hosts (descendants too)."""
        return {g: self.group_host_names(g) for g in self.groups}

    def to_ansible_list(self) -> dict[str, Any]:
        """The structure ``ansible-inventory --list`` prints (ansible-core 2.19)."""
        result: dict[str, Any] = {}
        available = set(self._all_hosts)
        seen: set[str] = set()

        def fmt(name: str) -> None:
            g = self.groups[name]
            entry: dict[str, Any] = {}
            if name != "all":
                entry["hosts"] = [h for h in g.hosts if h in available]
            entry["children"] = list(g.children)
            result[name] = entry
            for c in g.children:
                if c not in seen:
                    fmt(c)
                    seen.add(c)
            for k in [k for k, v in entry.items() if not v]:
                del entry[k]
            if not entry:
                del result[name]

        fmt("all")
        hostvars = {h: self.hostvars(h) for h in self._all_hosts}
        result["_meta"] = {"hostvars": {h: v for h, v in hostvars.items() if v}, "profile": "inventory_legacy"}
        return result

    def graph(self, group: str = "all") -> str:
        """The tree ``ansible-inventory --graph [GROUP]`` prints."""
        if group not in self.groups:
            raise PatternError(f"'{group}' is not a group; --graph expects a group name")
        lines: list[str] = []

        def name(text: str, depth: int) -> str:
            return "  |" * depth + "--" + text if depth else text

        def walk(g: str, depth: int) -> None:
            lines.append(name(f"@{g}:", depth))
            for c in self.groups[g].children:
                walk(c, depth + 1)
            if g != "all":
                for h in self.groups[g].hosts:
                    lines.append(name(h, depth + 1))

        walk(group, 0)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Inventory(sources={self.sources!r}, hosts={len(self.hosts)}, groups={len(self.groups)})"
