"""Load the inventory for the console, and the files to watch for changes.

Goes through :func:`ftltui.inventory.load_inventory`. Until the inventory package
exports it, a minimal YAML reader stands in (groups, hosts, vars, children) so the
console can start; errors are ``InventoryError`` with ``file:line`` either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftltui.errors import InventoryError, Location
from ftltui.inventory.model import Group, Host


def load(sources: list[str], vault: Any = None) -> Any:
    """``vault``: the session's VaultKeyring (vault-encrypted files and ``!vault`` values)."""
    try:
        from ftltui.inventory import load_inventory  # type: ignore[attr-defined]
    except ImportError:
        return _load_minimal(sources)
    return load_inventory(sources, vault)


def watched_files(sources: list[str]) -> list[Path]:
    out: list[Path] = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file()))
        elif p.exists():
            out.append(p)
    return out


def inventory_name(sources: list[str]) -> str:
    return ", ".join(Path(s).name or s for s in sources)


# -- stand-in loader -----------------------------------------------------------------


@dataclass
class _MiniInventory:
    hosts: dict[str, Host] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    def select(self, pattern: str) -> list[Host]:
        names: list[str] = []
        for part in pattern.replace(":", ",").split(","):
            part = part.strip()
            if part == "all" or part == "*":
                names.extend(self.hosts)
            elif part in self.groups:
                names.extend(self._members(part))
            elif part in self.hosts:
                names.append(part)
        return [self.hosts[n] for n in dict.fromkeys(names)]

    def _members(self, group: str) -> list[str]:
        g = self.groups[group]
        out = list(g.hosts)
        for c in g.children:
            out.extend(self._members(c))
        return out


def _load_minimal(sources: list[str]) -> _MiniInventory:
    import yaml

    inv = _MiniInventory()
    inv.groups["all"] = Group("all")
    raw_vars: dict[str, dict[str, Any]] = {}
    for src in sources:
        paths = sorted(Path(src).glob("*.y*ml")) if Path(src).is_dir() else [Path(src)]
        for path in paths:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                loc = Location(str(path), mark.line + 1, mark.column + 1) if mark else Location(str(path))
                raise InventoryError(f"invalid YAML: {getattr(exc, 'problem', exc)}", loc) from None
            except OSError as exc:
                raise InventoryError(str(exc), Location(str(path))) from None
            if not isinstance(data, dict):
                raise InventoryError("expected a mapping of groups", Location(str(path), 1, 1))
            for name, body in data.items():
                _group(inv, raw_vars, str(name), body or {}, None)
    for g in inv.groups.values():
        for c in g.children:
            if g.name not in inv.groups[c].parents:
                inv.groups[c].parents.append(g.name)
    for name, host in inv.hosts.items():
        groups = _ancestors(inv, [g.name for g in inv.groups.values() if name in g.hosts])
        merged: dict[str, Any] = dict(inv.groups["all"].vars)
        for g in groups:
            merged.update(inv.groups[g].vars)
        merged.update(raw_vars.get(name, {}))
        host.vars = merged
        host.groups = tuple(g for g in groups if g != "all")
    return inv


def _ancestors(inv: _MiniInventory, groups: list[str]) -> list[str]:
    out: list[str] = []
    todo = list(groups)
    while todo:
        g = todo.pop(0)
        if g in out:
            continue
        out.append(g)
        todo.extend(inv.groups[g].parents)
    return list(reversed(out))


def _group(inv: _MiniInventory, raw_vars: dict[str, dict[str, Any]], name: str, body: dict[str, Any],
           parent: str | None) -> None:
    g = inv.groups.setdefault(name, Group(name))
    if parent and parent != name and name not in inv.groups[parent].children:
        inv.groups[parent].children.append(name)
    g.vars.update(body.get("vars") or {})
    for hname, hvars in (body.get("hosts") or {}).items():
        hname = str(hname)
        inv.hosts.setdefault(hname, Host(hname))
        raw_vars.setdefault(hname, {}).update(hvars or {})
        if hname not in g.hosts:
            g.hosts.append(hname)
    for cname, cbody in (body.get("children") or {}).items():
        _group(inv, raw_vars, str(cname), cbody or {}, name)
