"""The inventory as one playbook run sees it: ``add_host`` and ``group_by`` change it for
the rest of the run (later plays' patterns, ``groups``, ``hostvars``), as in Ansible,
without touching the inventory the console and other runs share."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from ftltui.inventory.model import Group, Host


def run_copy(inventory: Any) -> Any:
    """A copy whose hosts and groups can change; the original stays as it was."""
    if not hasattr(inventory, "groups") or not hasattr(inventory, "hosts"):
        return inventory
    inv = copy.copy(inventory)
    inv.hosts = dict(inventory.hosts)
    inv.groups = {n: replace(g, hosts=list(g.hosts), children=list(g.children), parents=list(g.parents),
                             vars=dict(g.vars)) for n, g in inventory.groups.items()}
    if hasattr(inventory, "_inline"):
        inv._inline = {n: dict(v) for n, v in inventory._inline.items()}
    if hasattr(inventory, "_all_hosts"):
        inv._all_hosts = list(inventory._all_hosts)
    return inv


def _ensure_group(inv: Any, name: str) -> None:
    if name in inv.groups:
        return
    inv.groups[name] = Group(name, parents=["all"], depth=1)
    if hasattr(inv, "_inline"):
        inv._inline[name] = {}
    if "all" in inv.groups and name not in inv.groups["all"].children:
        inv.groups["all"].children.append(name)


def _ancestors(inv: Any, group: str) -> set[str]:
    out: set[str] = set()
    todo = [group]
    while todo:
        g = todo.pop()
        if g in out or g not in inv.groups:
            continue
        out.add(g)
        todo.extend(inv.groups[g].parents)
    return out - {"all"}


def add_host(inv: Any, name: str, groups: list[str], host_vars: dict[str, Any]) -> None:
    """Ansible's ``add_host``: a new host (or an existing one) joins ``groups`` with vars."""
    for g in groups:
        _ensure_group(inv, g)
    existing = inv.host(name) if hasattr(inv, "host") else None
    member: set[str] = set(existing.groups) if existing is not None else set()
    for g in groups:
        member |= _ancestors(inv, g)
        if name not in inv.groups[g].hosts:
            inv.groups[g].hosts.append(name)
    base = dict(existing.vars) if existing is not None else {}
    inv.hosts[name] = Host(name, {**base, **host_vars}, tuple(sorted(member)))
    if hasattr(inv, "_all_hosts") and name not in inv._all_hosts:
        inv._all_hosts.append(name)


def group_by(inv: Any, name: str, group: str, parents: list[str]) -> None:
    """Ansible's ``group_by``: ``name`` joins ``group`` (created under ``parents``)."""
    for p in parents:
        _ensure_group(inv, p)
    if group not in inv.groups:
        _ensure_group(inv, group)
        g = inv.groups[group]
        for p in parents:
            if p != "all":
                g.parents.append(p)
                inv.groups[p].children.append(group)
    host = inv.host(name)
    if host is None:
        return
    if name not in inv.groups[group].hosts:
        inv.groups[group].hosts.append(name)
    if name in inv.hosts:
        inv.hosts[name] = replace(host, groups=tuple(sorted(set(host.groups) | _ancestors(inv, group))))
