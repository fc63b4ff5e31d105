"""The vault options every inventory-reading command takes, and the keyring they make.

``--vault-password-file FILE`` (vault id ``default``; a file, or an executable whose
stdout is the password), ``--ask-vault-pass``, ``--vault-id LABEL@SOURCE`` (SOURCE: a
file, a script, or ``prompt``), each repeatable, plus ansible.cfg's
``vault_identity_list``/``vault_password_file``/``ask_vault_pass``. Order, as Ansible:
the configured identities first, then the command line's.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ftltui.vault import DEFAULT_ID, VaultError, VaultKeyring, read_password_source, split_vault_id
from ftltui.vault.secrets import Prompt


def add_vault_args(parser: argparse.ArgumentParser) -> None:
    """Add the vault flags (SUPPRESS defaults: a sub-command must not clobber a top-level flag)."""
    g = parser.add_argument_group("vault")
    g.add_argument("--vault-password-file", "--vault-pass-file", action="append", dest="vault_password_files",
                   metavar="FILE", default=argparse.SUPPRESS,
                   help="vault password file, or executable printing the password (repeatable)")
    g.add_argument("--ask-vault-pass", "--ask-vault-password", action="store_true", dest="ask_vault_pass",
                   default=argparse.SUPPRESS, help="ask for the vault password (needs a terminal)")
    g.add_argument("--vault-id", action="append", dest="vault_ids", metavar="LABEL@SOURCE", default=argparse.SUPPRESS,
                   help="a vault identity: SOURCE is a file, a script or 'prompt' (repeatable)")


def terminal_prompt(vault_id: str) -> str | None:
    """Ask on the terminal without echo; no terminal is a clear error, never a hang."""
    if not sys.stdin.isatty():
        raise VaultError(f"a vault password for vault id '{vault_id}' must be typed, but stdin is not a terminal; "
                         "use --vault-password-file or --vault-id LABEL@FILE")
    label = "Vault password: " if vault_id == DEFAULT_ID else f"Vault password ({vault_id}): "
    try:
        return getpass.getpass(label)
    except (EOFError, KeyboardInterrupt):
        return None


def vault_specs(args: argparse.Namespace, config: Any = None) -> list[tuple[str, str]]:
    """(vault id, source) pairs from the config and the command line, in Ansible's order, without repeats."""
    default_id = str(getattr(config, "vault_identity", None) or DEFAULT_ID)
    specs: list[tuple[str, str]] = [split_vault_id(s) for s in getattr(config, "vault_identity_list", None) or []]
    specs += [split_vault_id(s) for s in getattr(args, "vault_ids", None) or []]
    files = list(getattr(args, "vault_password_files", None) or []) or list(getattr(config, "vault_password_file", None) or [])
    specs += [(default_id, f) for f in files]
    if getattr(args, "ask_vault_pass", False) or getattr(config, "ask_vault_pass", False):
        specs.append((default_id, "prompt"))
    return list(dict.fromkeys(specs))


def vault_keyring_of(args: argparse.Namespace, config: Any = None, prompt: Prompt | None = terminal_prompt) -> VaultKeyring:
    """The session's keyring; a source that gives no password is a VaultError naming it."""
    keyring = VaultKeyring()
    for vault_id, source in vault_specs(args, config):
        keyring.add(read_password_source(vault_id, source, prompt))
    return keyring


def vault_keyring_for(args: argparse.Namespace) -> VaultKeyring:
    """The keyring of this invocation: its flags plus the effective ansible.cfg (when it can be read)."""
    config = getattr(args, "ansible_config", None)
    if config is None:
        try:
            from ftltui.config import load_config
        except ImportError:  # configuration support not installed in this build
            config = None
        else:
            config = load_config()
    return vault_keyring_of(args, config)
