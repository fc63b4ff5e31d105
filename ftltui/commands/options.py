"""Ansible's ad-hoc options shared by ``run`` and ``play``, turned into variables.

The engine reads connection and become settings only from ``ansible_*`` host
variables (contract point 2). This module maps ``-u``, ``--private-key``, ``-T``,
``-b``, ``--become-user``, ``--become-method``, ``-K`` and ansible.cfg onto those
variables (the lowest layer, under the inventory's), and parses ``-e`` extra vars
(the highest). Passwords are read here, from a terminal or a file, and handed on only
as variables the redactor treats as secret, never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

import yaml

from ftltui.commands.common import config_of, keyring_of, positive_int
from ftltui.engine.kvargs import split_words
from ftltui.errors import FtlError, ModuleArgsError

BECOME_METHODS = ("sudo", "su")


class OptionsError(FtlError):
    """An option's value cannot be used (exit 5, as Ansible's option errors)."""


def add_extra_vars_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS", dest="extra_vars",
                   help="variables that win over every other: k=v, JSON or YAML {..}, or @FILE (repeatable)")


def add_connection_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (defaults from ansible.cfg)")
    g.add_argument("-u", "--user", dest="remote_user", metavar="USER", help="connect as this user (ansible_user)")
    g.add_argument("-c", "--connection", dest="connection", metavar="CONNECTION",
                   help="connection type: ssh (smart) or local (ansible_connection; the inventory's wins, as in Ansible)")
    g.add_argument("--private-key", "--key-file", dest="private_key_file", metavar="FILE",
                   help="SSH private key file (ansible_ssh_private_key_file)")
    g.add_argument("-T", "--connect-timeout", dest="connect_timeout", type=positive_int, metavar="SECONDS",
                   help="SSH connection timeout in seconds (ansible_timeout; Ansible's -T)")


def add_become_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("privilege escalation (defaults from ansible.cfg [privilege_escalation])")
    g.add_argument("-b", "--become", action="store_true", default=None, help="run the module as another user")
    g.add_argument("--become-user", metavar="USER", help="the user to become (default root)")
    g.add_argument("--become-method", metavar="METHOD", help=f"how to become it: {' or '.join(BECOME_METHODS)}")
    g.add_argument("-K", "--ask-become-pass", action="store_true", default=None,
                   help="ask for the become password on the terminal")
    g.add_argument("--become-password-file", "--become-pass-file", metavar="FILE",
                   help="read the become password from this file")


def parse_extra_vars(items: list[str], args: argparse.Namespace | None = None) -> dict[str, Any]:
    """``-e`` values merged in order (later wins), each k=v, JSON/YAML ``{...}`` or ``@file``."""
    out: dict[str, Any] = {}
    for text in items:
        out.update(_one_extra_var(text, args))
    return out


def _one_extra_var(text: str, args: argparse.Namespace | None) -> dict[str, Any]:
    stripped = text.strip()
    if stripped.startswith("@"):
        return _vars_file(stripped[1:], args)
    if stripped[:1] in ("{", "["):
        try:
            value = yaml.safe_load(stripped)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at column {mark.column + 1}" if mark else ""
            raise OptionsError(f"-e {text!r}: invalid JSON/YAML{where}: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(value, dict):
            raise OptionsError(f"-e {text!r}: expected a mapping of variables, got a {type(value).__name__}")
        return value
    out: dict[str, Any] = {}
    for word in split_words(stripped):
        key, eq, value = word.partition("=")
        if not eq or not key.isidentifier():
            raise OptionsError(f"-e: expected NAME=VALUE, JSON/YAML {{...}} or @FILE, got {word!r}")
        out[key] = _unquote(value)
    return out


def _unquote(value: str) -> str:
    """``msg='hello world'`` gives ``hello world``, as Ansible's k=v parsing does."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _vars_file(path: str, args: argparse.Namespace | None) -> dict[str, Any]:
    from ftltui.inventory.yaml_loader import load_data, read_text

    keyring = keyring_of(args) if args is not None else None
    data = load_data(read_text(Path(path)), path, keyring)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ModuleArgsError(f"-e @{path}: expected a mapping of variables, got a {type(data).__name__}")
    return dict(data)


def become_password(args: argparse.Namespace, ask: bool) -> str | None:
    """-K (a terminal prompt, never echoed) or --become-password-file; None when neither."""
    if getattr(args, "become_password_file", None):
        try:
            text = Path(args.become_password_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OptionsError(f"--become-password-file {args.become_password_file}: cannot read: {exc}") from None
        return text.rstrip("\r\n")
    if not ask:
        return None
    if not sys.stdin.isatty():
        raise OptionsError("-K/--ask-become-pass needs a terminal to type the password on; "
                           "use --become-password-file FILE (or ansible_become_password from a vault)")
    try:
        return getpass.getpass("BECOME password: ")
    except (EOFError, KeyboardInterrupt):
        raise OptionsError("no become password given") from None


def _connection(value: str | None) -> str | None:
    """``-c``: the connection plugins ftl-tui has (Ansible's ``smart`` is ssh)."""
    if value is None:
        return None
    name = value.removeprefix("ansible.builtin.")
    if name in ("ssh", "smart"):
        return "ssh"
    if name == "local":
        return "local"
    raise OptionsError(f"-c {value!r}: expected ssh or local (ftl-tui has no {value!r} connection)")


def var_defaults_of(args: argparse.Namespace) -> dict[str, Any]:
    """The lowest variable layer: ansible.cfg settings, then this command line's options over them."""
    cfg = config_of(args)
    out = cfg.host_var_defaults()
    cli = {
        "ansible_user": getattr(args, "remote_user", None),
        "ansible_connection": _connection(getattr(args, "connection", None)),
        "ansible_ssh_private_key_file": getattr(args, "private_key_file", None),
        "ansible_timeout": getattr(args, "connect_timeout", None),
        "ansible_become": True if getattr(args, "become", None) else None,
        "ansible_become_user": getattr(args, "become_user", None),
        "ansible_become_method": getattr(args, "become_method", None),
    }
    out.update({k: v for k, v in cli.items() if v is not None})
    method = out.get("ansible_become_method")
    if method is not None and method not in BECOME_METHODS:
        raise OptionsError(f"--become-method {method!r}: expected one of {', '.join(BECOME_METHODS)}")
    password = become_password(args, bool(getattr(args, "ask_become_pass", None) or cfg.become_ask_pass))
    if password is not None:
        out["ansible_become_password"] = password
    return out


def secrets_of(var_defaults: dict[str, Any]) -> list[str]:
    """Values from the option layer that are secrets (redacted everywhere)."""
    value = var_defaults.get("ansible_become_password")
    return [str(value)] if value else []


def add_workers_arg(p: argparse.ArgumentParser) -> None:
    """``--workers N|auto`` (issue 17): hosts spread over N worker processes on this machine."""
    p.add_argument("--workers", default=None, metavar="N|auto",
                   help="worker processes on this machine sharing the hosts, each with its own SSH "
                        "connections (default: FTL_TUI_WORKERS, else ansible.cfg's [ftl_tui] workers, else auto: "
                        "more than one only for large inventories; 1 runs everything in this process)")


def workers_of(args: argparse.Namespace) -> int | None:
    """``--workers``; else ``FTL_TUI_WORKERS``; else ansible.cfg's ``[ftl_tui] workers``; else ``None``
    (auto, from the inventory's size and the cores)."""
    from ftltui.engine.shards.auto import configured_workers, parse_workers

    try:
        given = getattr(args, "workers", None)
        return parse_workers(given) if given is not None else configured_workers()
    except ValueError as exc:
        raise OptionsError(str(exc) if given is None else f"--workers: {exc}") from None


def forks_of(args: argparse.Namespace, fallback: int = 50) -> int:
    """``-f``; else ansible.cfg's forks when set there; else ftl-tui's own default."""
    if getattr(args, "forks", None):
        return int(args.forks)
    cfg = config_of(args)
    return cfg.forks if cfg.changed("forks") else fallback
