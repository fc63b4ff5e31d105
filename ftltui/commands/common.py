"""Options and output helpers shared by the headless commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from ftltui.commands.vault_options import add_vault_args, vault_keyring_for
from ftltui.paths import default_inventory_sources

if TYPE_CHECKING:
    from ftltui.config import AnsibleConfig
    from ftltui.inventory import Inventory

EXIT_OK = 0
EXIT_FAILED = 2
EXIT_UNREACHABLE = 3
EXIT_BAD_INPUT = 4
EXIT_USAGE = 5  # bad or incomplete options (Ansible's number): never mistaken for a failed host


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples printed as written, docstring literals (``x``) as plain x."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return super()._fill_text(text.replace("``", ""), width, indent)

    def _expand_help(self, action: argparse.Action) -> str:
        return super()._expand_help(action).replace("``", "")


class Parser(argparse.ArgumentParser):
    """The parser of every ftl-tui command: usage errors exit :data:`EXIT_USAGE`.

    Sub-command parsers are made by ``add_parser``, which uses the parent's class, so
    this holds for ``ftl-tui jobs show x`` as for ``ftl-tui run --timeout abc``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def examples(*lines: str) -> str:
    """An ``--help`` epilog: one example command per line."""
    return "examples:\n" + "".join(f"  {line}\n" for line in lines)


def positive_int(text: str) -> int:
    """argparse type for counts such as ``--forks``: a whole number, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    """argparse type for durations such as ``--timeout``: seconds, more than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def add_inventory_arg(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a sub-command's default must not clobber a top-level ``-i``.
    parser.add_argument(
        "-i",
        "--inventory",
        action="append",
        metavar="INV",
        default=argparse.SUPPRESS,
        help="inventory file, directory or 'host1,host2,' list (repeatable; default: ansible.cfg's inventory, "
        "else /etc/ansible/hosts, else the bundled demo inventory)",
    )
    add_vault_args(parser)  # --vault-password-file/--ask-vault-pass/--vault-id go where -i goes


def add_state_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        default=argparse.SUPPRESS,
        help="state directory (default: $FTL_TUI_HOME, else the XDG data dir)",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")


def config_of(args: argparse.Namespace) -> AnsibleConfig:
    """The effective ansible.cfg + ANSIBLE_* settings, read once per invocation (warnings printed)."""
    cfg = getattr(args, "ansible_config", None)
    if cfg is None:
        from ftltui.config import load_config

        cfg = load_config()
        for text in cfg.warnings:
            warn(text)
        args.ansible_config = cfg
    return cfg


def keyring_of(args: argparse.Namespace) -> Any:
    """The invocation's vault keyring, built (and any password asked for) once."""
    keyring = getattr(args, "vault_keyring", None)
    if keyring is None:
        config_of(args)
        keyring = vault_keyring_for(args)
        args.vault_keyring = keyring
    return keyring


def inventory_sources(args: argparse.Namespace) -> list[str]:
    """``-i`` (each may be ``host1,host2,``); else the configured inventory, /etc/ansible/hosts, the demo."""
    given = getattr(args, "inventory", None)
    if given:
        return list(given)
    sources, demo = default_inventory_sources(config_of(args))
    if demo and not getattr(args, "demo_noted", False):
        args.demo_noted = True
        # Named, so an installed ftl-tui's user finds the sample's workflows/ (README, Headless use).
        text = ("no inventory given or configured (-i, ansible.cfg, /etc/ansible/hosts): "
                f"using the bundled demo inventory {sources[0]}")
        if own_settings_sound():
            note(text)
        else:  # the command is about to stop on that setting: its error comes alone (cli.main)
            LATE_NOTES.append(text)
    return sources


# Notes held back while ansible.cfg has a bad ftl-tui setting: cli.main prints them after a
# command that succeeded anyway (it never read the setting), drops them when it stopped.
LATE_NOTES: list[str] = []


def own_settings_sound() -> bool:
    """Whether ftl-tui's own sections of the ansible.cfg in effect (``[ftl_tui] workers``,
    ``[ftl_sites]``/``[ftl_site_groups]``) read without error. The engine reads them after
    the inventory; a bad one stops the command with exit 5, and that one line must not
    read as a consequence of the demo-inventory note printed before it."""
    from ftltui.config import ConfigError
    from ftltui.engine.shards.auto import configured_workers
    from ftltui.sites.settings import load_site_settings

    try:
        configured_workers()
        load_site_settings()
    except (ValueError, ConfigError):
        return False
    return True


def load_inventory_of(args: argparse.Namespace) -> Inventory:
    """The invocation's inventory; what loading skipped is printed as warnings (as Ansible does)."""
    from ftltui.inventory import load_inventory

    inv = load_inventory(inventory_sources(args), keyring_of(args))
    for text in inv.warnings:
        warn(text)
    return inv


def state_dir_of(args: argparse.Namespace):
    """The resolved state directory for this invocation (created 0700 if missing)."""
    from ftltui.paths import state_dir

    return state_dir(getattr(args, "state_dir", None))


def write_out(text: str, *, flush: bool = False) -> None:
    """Write to stdout; if the reader went away (``| head``), go quiet instead of crashing.

    Output callbacks run inside the event loop, where an exception would not stop the
    run but would print a traceback per line: the run finishes, its output goes nowhere.
    """
    try:
        sys.stdout.write(text)
        if flush:
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def print_json(obj: Any) -> None:
    write_out(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def print_jsonl(obj: Any) -> None:
    write_out(json.dumps(obj, default=str) + "\n", flush=True)


def error(msg: str) -> None:
    from ftltui.engine.sanitize import safe_text

    sys.stderr.write(f"ftl-tui: error: {safe_text(msg)}\n")


def warn(msg: str) -> None:
    """A warning on stderr; the text may come from a user's file, so it is shown inert."""
    from ftltui.engine.sanitize import safe_text

    sys.stderr.write(f"ftl-tui: warning: {safe_text(msg)}\n")


def note(msg: str) -> None:
    """Information on stderr (never on stdout, which scripts parse)."""
    from ftltui.engine.sanitize import safe_text

    sys.stderr.write(f"ftl-tui: note: {safe_text(msg)}\n")
