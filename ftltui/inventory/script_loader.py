"""Inventory scripts and JSON in the ``--list`` shape.

An executable file that starts with ``#!`` is an inventory script, as for Ansible's
``script`` plugin: ``SCRIPT --list`` prints a JSON object of groups, each either a list
of hosts or ``{"hosts": [...], "vars": {...}, "children": [...]}``, plus optionally
``_meta.hostvars``; when ``_meta`` is missing, ``SCRIPT --host NAME`` is asked for each
host's vars. ``ansible-inventory --list`` and ``ftl-tui inventory --list --json`` print
the same shape, so a JSON file holding it loads too (Ansible needs a script for that).
Inline vault values in it (``{"__ansible_vault": ...}``) are vault values again.

A script that cannot run, exits non-zero, or prints anything but a JSON object is an
InventoryError naming the script, the exit status and the first problem.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from ftltui.errors import InventoryError, Location
from ftltui.inventory.builder import Builder
from ftltui.inventory.yaml_loader import MarkedDict, json_object_hook
from ftltui.vault import VaultKeyring

SCRIPT_TIMEOUT = 120.0  # seconds for one --list / --host call (cloud APIs can be slow)
_SECTIONS = ("hosts", "vars", "children")


def is_script(path: Path) -> bool:
    """Executable and starting with a shebang (an executable YAML file is still YAML)."""
    if not os.access(path, os.X_OK):
        return False
    try:
        with path.open("rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def run_script(path: Path, args: list[str], vault: VaultKeyring | None) -> Any:
    """One call of an inventory script; its stdout parsed as JSON."""
    file = str(path)
    what = " ".join(args)
    try:
        proc = subprocess.run([file, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=SCRIPT_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        raise InventoryError(f"inventory script did not finish '{what}' within {SCRIPT_TIMEOUT:g}s", Location(file)) from None
    except OSError as exc:
        raise InventoryError(f"inventory script could not run: {exc.strerror or exc}", Location(file)) from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = f": {err[-1][:200]}" if err else ""
        raise InventoryError(f"inventory script '{what}' exited with status {proc.returncode}{tail}", Location(file))
    try:
        text = proc.stdout.decode("utf-8")
        return json.loads(text, object_hook=json_object_hook(file, vault))
    except UnicodeDecodeError:
        raise InventoryError(f"inventory script '{what}' printed non-UTF-8 output; expected JSON", Location(file)) from None
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise InventoryError(f"inventory script '{what}' printed invalid JSON{where}; expected a JSON object of groups",
                             Location(file)) from None


def parse_script(path: Path, builder: Builder, vault: VaultKeyring | None) -> None:
    data = run_script(path, ["--list"], vault)
    file = str(path)
    parse_list_data(data, file, builder)
    meta = data.get("_meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or "hostvars" not in meta:
        for host in [h for h, rec in builder.hosts.items() if rec.source == file]:
            hv = run_script(path, ["--host", host], vault)
            if not isinstance(hv, dict):
                raise InventoryError(f"inventory script '--host {host}' printed a {type(hv).__name__}; expected a "
                                     "JSON object of variables", Location(file))
            for k, v in hv.items():
                builder.set_host_var(host, k, v, Location(file))


def is_list_shape(data: Any) -> bool:
    """``--list`` JSON rather than a YAML-style inventory: ``_meta``, or (in JSON text) host/child lists.

    YAML text must have ``_meta``: a list under a top-level YAML key is the anchor
    parking spot Ansible skips with a warning, and ``plugin:`` files are plugin configs.
    """
    if not isinstance(data, dict) or "plugin" in data:
        return False
    if isinstance(data.get("_meta"), dict):
        return True
    if isinstance(data, MarkedDict):
        return False
    for body in data.values():
        if isinstance(body, list):
            return True
        if isinstance(body, dict) and (isinstance(body.get("hosts"), list) or isinstance(body.get("children"), list)):
            return True
    return False


def _names(value: Any, what: str, group: str, loc: Location) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InventoryError(f"expected the {what} of group '{group}' to be a list of names, got {value!r:.80}", loc)
    return value


def parse_list_data(data: Any, file: str, builder: Builder) -> None:
    """Feed ``--list`` JSON (groups, then ``_meta.hostvars``) into ``builder``."""
    loc = Location(file)
    builder.current_source = file
    if not isinstance(data, dict):
        raise InventoryError(f"expected a JSON object of groups, got a {type(data).__name__}", loc)
    children: list[tuple[str, list[str]]] = []
    for group, body in data.items():
        if group == "_meta":
            continue
        if not isinstance(group, str) or not group:
            raise InventoryError(f"expected a group name, got {group!r}", loc)
        builder.add_group(group, loc)
        if isinstance(body, dict) and not any(k in body for k in _SECTIONS):
            body = {"hosts": body}  # {"group": {"h1": ..., "h2": ...}}: the keys are hosts
        elif not isinstance(body, dict):
            body = {"hosts": body}
        for host in _names(body.get("hosts"), "hosts", group, loc):
            builder.add_host(host, group, None, loc)
        gvars = body.get("vars") or {}
        if not isinstance(gvars, dict):
            raise InventoryError(f"expected the vars of group '{group}' to be an object, got {gvars!r:.80}", loc)
        for k, v in gvars.items():
            builder.set_group_var(group, k, v, loc)
        children.append((group, _names(body.get("children"), "children", group, loc)))
    for parent, kids in children:
        for child in kids:
            if child not in builder.groups and child not in builder.hosts:
                builder.add_group(child, loc)
            builder.add_child(parent, child, loc)
    meta = data.get("_meta")
    hostvars = meta.get("hostvars") if isinstance(meta, dict) else None
    if hostvars is None:
        return
    if not isinstance(hostvars, dict):
        raise InventoryError(f"expected _meta.hostvars to be an object, got {hostvars!r:.80}", loc)
    for host, hv in hostvars.items():
        if host not in builder.hosts:
            continue  # Ansible ignores vars of hosts no group lists
        if not isinstance(hv, dict):
            raise InventoryError(f"expected _meta.hostvars.{host} to be an object, got {hv!r:.80}", loc)
        for k, v in hv.items():
            builder.set_host_var(host, k, v, loc)
