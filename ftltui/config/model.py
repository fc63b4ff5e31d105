"""The effective Ansible configuration: typed settings and where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftltui.config.settings import BY_ATTR, SETTINGS, SSH_PLUGIN_OPTIONS


@dataclass
class AnsibleConfig:
    """Settings under their ansible.cfg key names; :meth:`origin` says where each came from.

    Consumers read attributes (``cfg.forks``); the engine never sees this object: the
    CLI turns the settings that became per-host variables into the lowest variable
    layer (:meth:`host_var_defaults`).
    """

    inventory: list[str]
    remote_user: str | None
    remote_port: int | None
    private_key_file: str | None
    host_key_checking: bool
    forks: int
    timeout: int
    transport: str
    ask_pass: bool
    become: bool
    become_method: str
    become_user: str
    become_ask_pass: bool
    become_flags: str
    vault_password_file: list[str]
    vault_identity_list: list[str]
    vault_identity: str
    ask_vault_pass: bool
    collections_path: list[str]
    roles_path: list[str]
    private_role_vars: bool
    gathering: str
    interpreter_python: str
    verbosity: int
    log_path: str | None
    module_path: list[str]
    inventory_enabled: list[str]
    inventory_unparsed_is_failed: bool
    ssh_args: str
    ssh_common_args: str
    ssh_extra_args: str
    pipelining: bool
    config_file: str | None = None
    warnings: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    def origin(self, name: str) -> str:
        """``default``, ``env: ANSIBLE_X`` or ``/path/ansible.cfg:12``; ``name`` is an attribute."""
        return self.origins.get(name, "default")

    def changed(self, name: str) -> bool:
        return self.origin(name) != "default"

    @property
    def inventory_configured(self) -> bool:
        """True when the inventory was set by the config file or ANSIBLE_INVENTORY."""
        return self.changed("inventory")

    def host_var_defaults(self) -> dict[str, Any]:
        """Settings that became per-host variables, for those set in a file or the environment.

        Unchanged defaults are left out: the engine has its own defaults, and Ansible's
        default ``ssh_args`` (ControlMaster options for the OpenSSH binary) mean nothing
        to asyncssh.
        """
        out: dict[str, Any] = {}
        for s in SETTINGS:
            if s.var and self.changed(s.attr) and getattr(self, s.attr) not in (None, ""):
                out[s.var] = getattr(self, s.attr)
        # interpreter_python is a path, or auto/auto_silent/auto_legacy (discovery: ftl-tui's own default)
        if self.changed("interpreter_python") and not self.interpreter_python.startswith("auto"):
            out["ansible_python_interpreter"] = self.interpreter_python
        return out

    def dump(self, *, only_changed: bool = True) -> list[tuple[str, str, Any]]:
        """(name, origin, value) like ``ansible-config dump``: Ansible's setting names, sorted.

        The ssh plugin's options come after, under their option names (as ``-t connection``
        shows them).
        """
        rows: list[tuple[str, str, Any]] = [("CONFIG_FILE", "", self.config_file)]
        base = sorted((s for s in SETTINGS if s.attr not in SSH_PLUGIN_OPTIONS), key=lambda s: s.name)
        plugin = sorted((s for s in SETTINGS if s.attr in SSH_PLUGIN_OPTIONS), key=lambda s: s.name)
        for s in [*base, *plugin]:
            if only_changed and not self.changed(s.attr):
                continue
            value = getattr(self, s.attr)
            if s.type == "path1":
                value = value[0] if value else None
            rows.append((s.name, self.origin(s.attr), value))
        return rows

    def dump_lines(self, *, only_changed: bool = True) -> list[str]:
        """``NAME(ORIGIN) = VALUE`` lines, as ``ansible-config dump`` prints them (CLI and console)."""
        return [f"{name}({origin}) = {value}" for name, origin, value in self.dump(only_changed=only_changed)]

    def to_dict(self) -> dict[str, Any]:
        return {s.attr: {"name": s.name, "value": getattr(self, s.attr), "origin": self.origin(s.attr)}
                for s in SETTINGS} | {"config_file": self.config_file}


__all__ = ["AnsibleConfig", "BY_ATTR"]
