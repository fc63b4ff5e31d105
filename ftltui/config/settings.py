"""The ansible.cfg settings ftl-tui reads: Ansible's names, INI keys, environment names and types.

Names, keys, environment variables, types and defaults are those ``ansible-config list``
documents (ansible-core 2.19). Settings of the ssh connection plugin have no upper-case
name there; they are shown by their plugin option name, as ``ansible-config dump -t
connection`` does. ``attr`` is the attribute on :class:`~ftltui.config.AnsibleConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Types as ansible-config names them; ``str`` covers its untyped settings and "string".
TYPES = ("bool", "int", "str", "list", "path", "pathlist", "pathspec", "path1")  # path1: one path, kept as a list


@dataclass(frozen=True)
class Setting:
    """One configuration setting: where it is read from and what it holds."""

    attr: str
    name: str  # Ansible's setting name (DEFAULT_FORKS) or the ssh plugin's option name
    type: str
    default: Any
    ini: tuple[tuple[str, str], ...]
    env: tuple[str, ...]
    var: str | None = None  # the per-host variable it becomes (contract: the lowest var layer)


def _s(attr: str, name: str, type_: str, default: Any, ini: list[tuple[str, str]], env: list[str],
       var: str | None = None) -> Setting:
    return Setting(attr, name, type_, default, tuple(ini), tuple(env), var)


D, PE, SSH, INV = "defaults", "privilege_escalation", "ssh_connection", "inventory"

SETTINGS: tuple[Setting, ...] = (
    _s("inventory", "DEFAULT_HOST_LIST", "pathlist", ["/etc/ansible/hosts"], [(D, "inventory")],
       ["ANSIBLE_INVENTORY"]),
    _s("remote_user", "DEFAULT_REMOTE_USER", "str", None, [(D, "remote_user")], ["ANSIBLE_REMOTE_USER"],
       "ansible_user"),
    _s("remote_port", "DEFAULT_REMOTE_PORT", "int", None, [(D, "remote_port")], ["ANSIBLE_REMOTE_PORT"],
       "ansible_port"),
    _s("private_key_file", "DEFAULT_PRIVATE_KEY_FILE", "path", None, [(D, "private_key_file")],
       ["ANSIBLE_PRIVATE_KEY_FILE"], "ansible_ssh_private_key_file"),
    _s("host_key_checking", "HOST_KEY_CHECKING", "bool", True, [(D, "host_key_checking")],
       ["ANSIBLE_HOST_KEY_CHECKING"], "ansible_host_key_checking"),
    _s("forks", "DEFAULT_FORKS", "int", 5, [(D, "forks")], ["ANSIBLE_FORKS"]),
    _s("timeout", "DEFAULT_TIMEOUT", "int", 10, [(D, "timeout")], ["ANSIBLE_TIMEOUT"], "ansible_timeout"),
    _s("transport", "DEFAULT_TRANSPORT", "str", "ssh", [(D, "transport")], ["ANSIBLE_TRANSPORT"]),
    _s("ask_pass", "DEFAULT_ASK_PASS", "bool", False, [(D, "ask_pass")], ["ANSIBLE_ASK_PASS"]),
    _s("become", "DEFAULT_BECOME", "bool", False, [(PE, "become")], ["ANSIBLE_BECOME"], "ansible_become"),
    _s("become_method", "DEFAULT_BECOME_METHOD", "str", "sudo", [(PE, "become_method")],
       ["ANSIBLE_BECOME_METHOD"], "ansible_become_method"),
    _s("become_user", "DEFAULT_BECOME_USER", "str", "root", [(PE, "become_user")], ["ANSIBLE_BECOME_USER"],
       "ansible_become_user"),
    _s("become_ask_pass", "DEFAULT_BECOME_ASK_PASS", "bool", False, [(PE, "become_ask_pass")],
       ["ANSIBLE_BECOME_ASK_PASS"]),
    _s("become_flags", "DEFAULT_BECOME_FLAGS", "str", "", [(PE, "become_flags")], ["ANSIBLE_BECOME_FLAGS"],
       "ansible_become_flags"),
    _s("vault_password_file", "DEFAULT_VAULT_PASSWORD_FILE", "path1", [], [(D, "vault_password_file")],
       ["ANSIBLE_VAULT_PASSWORD_FILE"]),
    _s("vault_identity_list", "DEFAULT_VAULT_IDENTITY_LIST", "list", [], [(D, "vault_identity_list")],
       ["ANSIBLE_VAULT_IDENTITY_LIST"]),
    _s("vault_identity", "DEFAULT_VAULT_IDENTITY", "str", "default", [(D, "vault_identity")],
       ["ANSIBLE_VAULT_IDENTITY"]),
    _s("ask_vault_pass", "DEFAULT_ASK_VAULT_PASS", "bool", False, [(D, "ask_vault_pass")],
       ["ANSIBLE_ASK_VAULT_PASS"]),
    _s("collections_path", "COLLECTIONS_PATHS", "pathspec",
       ["~/.ansible/collections", "/usr/share/ansible/collections"], [(D, "collections_path")],
       ["ANSIBLE_COLLECTIONS_PATH"]),
    _s("roles_path", "DEFAULT_ROLES_PATH", "pathspec",
       ["~/.ansible/roles", "/usr/share/ansible/roles", "/etc/ansible/roles"], [(D, "roles_path")],
       ["ANSIBLE_ROLES_PATH"]),
    _s("private_role_vars", "DEFAULT_PRIVATE_ROLE_VARS", "bool", False, [(D, "private_role_vars")],
       ["ANSIBLE_PRIVATE_ROLE_VARS"]),
    _s("gathering", "DEFAULT_GATHERING", "str", "implicit", [(D, "gathering")], ["ANSIBLE_GATHERING"]),
    _s("interpreter_python", "INTERPRETER_PYTHON", "str", "auto", [(D, "interpreter_python")],
       ["ANSIBLE_PYTHON_INTERPRETER"]),
    _s("verbosity", "DEFAULT_VERBOSITY", "int", 0, [(D, "verbosity")], ["ANSIBLE_VERBOSITY"]),
    _s("log_path", "DEFAULT_LOG_PATH", "path", None, [(D, "log_path")], ["ANSIBLE_LOG_PATH"]),
    _s("module_path", "DEFAULT_MODULE_PATH", "pathspec",
       ["~/.ansible/plugins/modules", "/usr/share/ansible/plugins/modules"], [(D, "library")],
       ["ANSIBLE_LIBRARY"]),
    _s("inventory_enabled", "INVENTORY_ENABLED", "list",
       ["host_list", "script", "auto", "yaml", "ini", "toml"], [(INV, "enable_plugins")],
       ["ANSIBLE_INVENTORY_ENABLED"]),
    _s("inventory_unparsed_is_failed", "INVENTORY_UNPARSED_IS_FAILED", "bool", False,
       [(INV, "unparsed_is_failed")], ["ANSIBLE_INVENTORY_UNPARSED_FAILED"]),
    # the ssh connection plugin's options (ansible-config dump -t connection: "ssh:")
    _s("ssh_args", "ssh_args", "str", "-C -o ControlMaster=auto -o ControlPersist=60s",
       [(SSH, "ssh_args")], ["ANSIBLE_SSH_ARGS"], "ansible_ssh_args"),
    _s("ssh_common_args", "ssh_common_args", "str", "", [(SSH, "ssh_common_args")],
       ["ANSIBLE_SSH_COMMON_ARGS"], "ansible_ssh_common_args"),
    _s("ssh_extra_args", "ssh_extra_args", "str", "", [(SSH, "ssh_extra_args")], ["ANSIBLE_SSH_EXTRA_ARGS"],
       "ansible_ssh_extra_args"),
    _s("pipelining", "pipelining", "bool", False, [(D, "pipelining"), (SSH, "pipelining")],
       ["ANSIBLE_PIPELINING", "ANSIBLE_SSH_PIPELINING"]),
)

SSH_PLUGIN_OPTIONS = frozenset({"ssh_args", "ssh_common_args", "ssh_extra_args", "pipelining"})
BY_ATTR = {s.attr: s for s in SETTINGS}
