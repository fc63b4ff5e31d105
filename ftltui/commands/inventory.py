"""``ftl-tui inventory``: show what an inventory contains, in ``ansible-inventory``'s shapes.

``--list --json`` prints exactly what ``ansible-inventory --list`` prints, except that
values of secret variables (``ansible_password`` etc. and names listed in a host's
``secrets:``) are replaced by ``********``: ansible-inventory prints them, we never do.
``--list-hosts PATTERN`` prints what ``ansible PATTERN --list-hosts`` prints: a pattern
that selects nothing (``nosuch``, ``web[99]``) gives an empty list, a warning and exit 0.
The text forms (table, ``--graph``, ``--host``, ``--list-hosts``) go through ``safe_text``:
a name or value holding an escape sequence must not retitle or clear the operator's terminal
(JSON escapes control characters itself, so ``--json`` is exact).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ftltui.commands.common import add_inventory_arg, add_json_arg, examples, load_inventory_of, warn
from ftltui.engine.redact import MASK
from ftltui.engine.sanitize import safe_text
from ftltui.inventory import Inventory, Selection
from ftltui.inventory.model import SECRET_VARS
from ftltui.inventory.patterns import SubscriptOutOfRange, no_hosts_message

EXAMPLES = examples(
    "ftl-tui inventory -i inventory.yml             # a table of hosts and groups",
    "ftl-tui inventory --list --json                # same shape as ansible-inventory --list",
    "ftl-tui inventory --graph prod                 # the group tree under prod",
    "ftl-tui inventory --host web01 --json          # one host's merged vars",
    "ftl-tui inventory --list-hosts 'web:&prod:!db' # what a pattern selects",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "inventory",
        help="show hosts, groups and vars (like ansible-inventory)",
        description=__doc__,
        epilog=EXAMPLES,
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="all groups, hosts and merged host vars (default)")
    mode.add_argument("--graph", nargs="?", const="all", metavar="GROUP", help="the group tree")
    mode.add_argument("--host", metavar="HOST", help="one host's merged vars")
    mode.add_argument("--list-hosts", metavar="PATTERN", help="hosts matching an Ansible host pattern")
    add_json_arg(p)
    add_inventory_arg(p)
    p.set_defaults(func=handle)


def secret_names(hostvars: dict[str, Any]) -> set[str]:
    """Variable names whose values must be masked for one host."""
    names = set(SECRET_VARS)
    listed = hostvars.get("secrets")
    if isinstance(listed, (list, tuple)):
        names |= {str(n) for n in listed}
    return names


def mask_hostvars(hostvars: dict[str, Any]) -> dict[str, Any]:
    names = secret_names(hostvars)
    return {k: (MASK if k in names and v not in (None, "") else v) for k, v in hostvars.items()}


def masked_list(inv: Inventory) -> dict[str, Any]:
    data = inv.to_ansible_list()
    meta = data["_meta"]["hostvars"]
    for host in meta:
        meta[host] = mask_hostvars(meta[host])
    return data


def dumps(obj: Any) -> str:
    """ansible-inventory's JSON layout: sorted keys, 4-space indent."""
    return json.dumps(obj, sort_keys=True, indent=4, default=str, ensure_ascii=False)


def handle(args: argparse.Namespace) -> int:
    inv = load_inventory_of(args)
    out = sys.stdout
    if args.graph:
        out.write(safe_text(inv.graph(args.graph)) + "\n")
    elif args.host:
        hv = mask_hostvars(inv.hostvars(args.host))
        out.write((dumps(hv) if args.json else _vars_table(args.host, hv)) + "\n")
    elif args.list_hosts is not None:
        sel = _list_hosts(inv, args.list_hosts)
        if args.json:
            out.write(json.dumps(sel.hosts) + "\n")
        else:
            out.write("".join(safe_text(h) + "\n" for h in sel.hosts))
    elif args.json:
        out.write(dumps(masked_list(inv)) + "\n")
    else:
        out.write(_table(inv) + "\n")
    return 0


def _list_hosts(inv: Inventory, pattern: str) -> Selection:
    """The hosts ``pattern`` selects; selecting nothing is a warning, as in ``ansible --list-hosts``."""
    try:
        sel = inv.select_detailed(pattern)
    except SubscriptOutOfRange as exc:
        warn(exc.message)
        return Selection([])
    for term in sel.unmatched:
        warn(f"could not match supplied host pattern, ignoring: {term}")
    if not sel.hosts:
        warn(no_hosts_message(pattern, sel))
    return sel


def _vars_table(host: str, hv: dict[str, Any]) -> str:
    """One host's vars, a line each; names are aligned as the terminal shows them (after safe_text)."""
    names = {k: safe_text(k) for k in hv}
    lines = [safe_text(host)]
    width = max((len(n) for n in names.values()), default=0)
    for k in sorted(hv):
        lines.append(f"  {names[k].ljust(width)}  {_short(hv[k])}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    """A value on one line: a string as it is (control characters made visible), else JSON."""
    text = safe_text(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(inv: Inventory) -> str:
    """A readable summary: one row per host (address, connection, groups), then the groups."""
    rows: list[tuple[str, ...]] = [("HOST", "ADDRESS", "CONN", "USER", "GROUPS")]
    for name in inv.group_host_names("all"):
        h = inv.hosts[name]
        port = h.vars.get("ansible_port", h.vars.get("ansible_ssh_port", 22))
        addr = f"{h.address}:{port}" if h.connection != "local" else "-"
        rows.append(tuple(safe_text(c) for c in (name, addr, h.connection, h.user or "-", ",".join(h.groups))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.append("")
    lines.append(f"{len(inv.hosts)} hosts, {len(inv.groups)} groups")
    for g in inv.groups.values():
        kids = f" children: {', '.join(g.children)}" if g.children else ""
        lines.append(safe_text(f"  @{g.name}: {len(inv.group_host_names(g.name))} hosts{kids}"))
    return "\n".join(lines)
