"""``add_host`` and ``group_by``: controller actions that change the run's inventory
(see run_inventory.py). ``add_host`` runs once per task, not per host (Ansible bypasses
the host loop for it); its loop adds one host per item."""

from __future__ import annotations

from typing import Any

from ftltui.playbook.run_inventory import add_host as inventory_add_host
from ftltui.playbook.run_inventory import group_by as inventory_group_by
from ftltui.playbook.scope import as_list

_NAME_KEYS = ("name", "host", "hostname")
_GROUP_KEYS = ("groups", "group", "groupname")


def _group_list(value: Any) -> list[str]:
    out: list[str] = []
    for v in as_list(value):
        out.extend(g.strip() for g in str(v).split(",") if g.strip())
    return out


async def add_host(call: Any) -> dict[str, Any]:
    args = call.templar.render(call.args)
    name = next((args[k] for k in _NAME_KEYS if args.get(k)), None)
    if not name:
        return {"failed": True, "changed": False, "msg": "name or hostname arg needs to be provided"}
    name = str(name)
    port = None
    if ":" in name and name.count(":") == 1:  # "host:port", as Ansible splits it
        name, port = name.split(":", 1)
    groups = _group_list(next((args[k] for k in _GROUP_KEYS if args.get(k)), []))
    host_vars = {k: v for k, v in args.items() if k not in _NAME_KEYS + _GROUP_KEYS + ("_raw_params",)}
    if port:
        host_vars["ansible_port"] = int(port)
    inventory_add_host(call.pc.inventory, name, groups, host_vars)
    return {"changed": True, "add_host": {"host_name": name, "groups": groups, "host_vars": host_vars}}


async def group_by(call: Any) -> dict[str, Any]:
    args = call.templar.render(call.args)
    key = args.get("key") or args.get("_raw_params")
    if not key:
        return {"failed": True, "changed": False, "msg": "the 'key' param is required when using group_by"}
    group = str(key).replace(" ", "-")
    parents = _group_list(args.get("parents", "all")) or ["all"]
    inventory_group_by(call.pc.inventory, call.host, group, parents)
    return {"changed": True, "add_group": group, "parent_groups": parents}
