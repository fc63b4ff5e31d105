"""Inventory records: hosts, groups, and the connection details derived from vars.

``Host.vars`` are the host's fully merged variables (Ansible precedence already
applied by the loader). Connection details are read from them through properties so
there is one source of truth.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from ftltui.vault.values import VaultValue, vault_texts

SECRET_VARS = frozenset(
    {"ansible_password", "ansible_ssh_pass", "ansible_become_password", "ansible_become_pass"}
)


@dataclass
class Group:
    name: str
    hosts: list[str] = field(default_factory=list)  # direct members, inventory order
    children: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)  # the group's own vars, merged from files
    priority: int = 1  # ansible_group_priority
    depth: int = 0  # longest path from "all"; Ansible merges shallow groups first


@dataclass
class Host:
    name: str
    vars: dict[str, Any] = field(default_factory=dict)  # merged, all precedence applied
    groups: tuple[str, ...] = ()  # every group it belongs to, ancestors included, not "all"

    # -- connection details -------------------------------------------------------
    @property
    def address(self) -> str:
        return str(self.vars.get("ansible_host", self.name))

    @property
    def port(self) -> int:
        return int(self.vars.get("ansible_port", self.vars.get("ansible_ssh_port", 22)))

    @property
    def user(self) -> str | None:
        u = self.vars.get("ansible_user", self.vars.get("ansible_ssh_user"))
        return str(u) if u is not None else None

    @property
    def connection(self) -> str:
        conn = self.vars.get("ansible_connection")
        if conn:
            return str(conn)
        # Ansible's implicit localhost, and an explicit local address, run locally.
        if self.name in ("localhost", "127.0.0.1") and "ansible_host" not in self.vars:
            return "local"
        return "ssh"

    @property
    def python(self) -> str:
        return str(self.vars.get("ansible_python_interpreter", "python3"))

    @property
    def private_key_file(self) -> str | None:
        k = self.vars.get("ansible_ssh_private_key_file", self.vars.get("ansible_private_key_file"))
        return str(k) if k else None

    @property
    def password(self) -> str | None:
        p = self.vars.get("ansible_password", self.vars.get("ansible_ssh_pass"))
        return str(p) if p is not None else None

    @property
    def ssh_args(self) -> list[str]:
        """``ansible_ssh_common_args`` then ``ansible_ssh_extra_args``, split as a shell would."""
        out: list[str] = []
        for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
            val = self.vars.get(key)
            if val:
                out.extend(shlex.split(str(val)))
        return out

    @property
    def jump_hosts(self) -> list[str]:
        """Jump chain, first hop first, from ``ftl_jump_hosts``/``ansible_ssh_jump`` or ssh args."""
        for key in ("ftl_jump_hosts", "ansible_ssh_jump"):
            val = self.vars.get(key)
            if val:
                if isinstance(val, str):
                    return [h.strip() for h in val.split(",") if h.strip()]
                return [str(h) for h in val]
        args = self.ssh_args
        for i, a in enumerate(args):
            spec = None
            if a == "-J" and i + 1 < len(args):
                spec = args[i + 1]
            elif a.startswith("-J") and len(a) > 2:
                spec = a[2:]
            elif a == "-o" and i + 1 < len(args) and args[i + 1].lower().startswith("proxyjump="):
                spec = args[i + 1].split("=", 1)[1]
            elif a.lower().startswith("-oproxyjump="):
                spec = a.split("=", 1)[1]
            if spec and spec.lower() != "none":
                return [h.strip() for h in spec.split(",") if h.strip()]
        return []

    def secret_values(self, extra_names: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """Values of this host's vars that must never be shown: secret names, and every vault-decrypted value."""
        names = SECRET_VARS | set(extra_names) | set(self.vars.get("secrets", []) or [])
        out = [str(self.vars[n]) for n in names if self.vars.get(n) not in (None, "") and not isinstance(self.vars[n], VaultValue)]
        out.extend(str(v) for v in vault_texts(self.vars))
        return out
