"""Which action plugin Ansible would run for a collection module, found without importing Ansible.

Ansible runs a module through an action plugin of its own when its collection has one
(``TaskExecutor._get_action_handler_with_module_context`` in ansible-core 2.19): the
module's ``meta/runtime.yml`` entry names one (``action_plugin:``), or an action plugin has
the module's name (``plugins/action/X.py``, or ``plugin_routing.action.X`` redirects it),
or the module belongs to a network family (``ios_command`` -> the collection's ``ios``
action). Such a plugin does controller-side work the module relies on (a controller
``src``, ``iptables_state``'s connection-loss rollback, ``shutdown`` done entirely by the
plugin): running the module file alone would do something else. ftl-tui implements none of
the collections' action plugins, so the caller refuses these modules, naming the plugin.
"""

from __future__ import annotations

import os
from pathlib import Path

from ftltui.ansible_modules import locations

# ansible-core 2.19's NETWORK_GROUP_MODULES default (ANSIBLE_NETWORK_GROUP_MODULES overrides it)
NETWORK_GROUP_MODULES = ("eos", "nxos", "ios", "iosxr", "junos", "enos", "ce", "vyos", "sros", "dellos9", "dellos10",
                         "dellos6", "asa", "aruba", "aireos", "bigip", "ironware", "onyx", "netconf", "exos", "voss",
                         "slxos")


def _network_groups() -> tuple[str, ...]:
    text = os.environ.get("ANSIBLE_NETWORK_GROUP_MODULES")
    if text is None:
        return NETWORK_GROUP_MODULES
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _collection_of(module_path: str) -> tuple[Path, str, str] | None:
    """The collection directory holding ``module_path``, its FQCN prefix and the module's short name."""
    parts = Path(module_path).parts
    if "ansible_collections" not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index("ansible_collections")
    if len(parts) < i + 6 or parts[i + 3:i + 5] != ("plugins", "modules"):
        return None
    short = Path(parts[-1]).name
    for ext in (".py", ".ps1"):
        short = short.removesuffix(ext)
    return Path(*parts[: i + 3]), f"{parts[i + 1]}.{parts[i + 2]}", short


def controller_plugin(module_path: str) -> str | None:
    """The FQCN of the action plugin Ansible runs for the collection module at ``module_path``,
    or None when Ansible runs it with its ``normal`` action (or it is not a collection's)."""
    found = _collection_of(module_path)
    if found is None:
        return None
    cdir, fqcn, short = found
    entry = locations.routing_entry(str(cdir), short)
    if isinstance(entry, dict) and entry.get("action_plugin"):
        return str(entry["action_plugin"])
    routing = locations.runtime_meta(str(cdir)).get("plugin_routing") or {}
    action = (routing.get("action") or {}).get(short) if isinstance(routing, dict) else None
    if isinstance(action, dict) and action.get("redirect"):
        return str(action["redirect"])
    if (cdir / "plugins" / "action" / f"{short}.py").is_file():
        return f"{fqcn}.{short}"
    prefix = short.split("_")[0]
    if prefix in _network_groups() and (cdir / "plugins" / "action" / f"{prefix}.py").is_file():
        return f"{fqcn}.{prefix}"
    return None
