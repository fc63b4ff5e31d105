"""Read-only mode and protected groups for the headless commands.

The rules are the console core's (:mod:`ftltui.console.guard`); this module only
says which command line is a write and asks the protected-group question the CLI
way: ``--confirm-protected`` (alias ``--yes``) answers it, a terminal may answer it
by typing ``yes``, anything else (CI, cron, a pipe) is refused with exit status 5.

* ``ftl-tui --readonly COMMAND``: a command that would start or change anything
  (``run``, ``play``, ``drift scan|baseline|accept``, ``jobs cancel|retry|requeue|purge``,
  ``schedule add|rm|pause|resume``) is refused before it opens anything;
  ``ftl-tui --readonly daemon`` is ``ftl-tui daemon --readonly``.
* an inventory whose group ``all`` sets ``ftl_tui_readonly: true`` refuses ``run``
  and ``play`` on it; its ``ftl_tui_protected_groups`` (and ``--protected GROUP``)
  make a run or play that touches them ask first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ftltui.console.guard import Guard, ProtectedConfirmationRequired

CONFIRM_HOW = "add --confirm-protected (or --yes) to run it anyway"
WRITES: dict[str, tuple[str, frozenset[str]]] = {
    "drift": ("drift_command", frozenset({"scan", "baseline", "accept"})),
    "jobs": ("jobs_cmd", frozenset({"cancel", "retry", "requeue", "purge"})),
    "schedule": ("schedule_cmd", frozenset({"add", "rm", "pause", "resume"})),
}


def add_confirm_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--confirm-protected", "--yes", dest="confirm_protected", action="store_true",
                   help="run even on hosts of a protected group (see --protected; otherwise refused, "
                        "or asked on a terminal)")


def add_guard_args(p: argparse.ArgumentParser) -> None:
    """The top-level ``--readonly`` and ``--protected`` (dests of their own: a sub-command's
    defaults must not overwrite them)."""
    p.add_argument("--readonly", dest="global_readonly", action="store_true",
                   help="look, never act: the console starts and changes nothing; commands that would are "
                        "refused (exit 5)")
    p.add_argument("--protected", dest="protected", action="append", metavar="GROUP",
                   help="a protected group: runs that touch its hosts ask first (repeatable; also the "
                        "inventory's ftl_tui_protected_groups)")


def write_action(args: argparse.Namespace) -> str | None:
    """The write ``args`` would do, as words (``jobs cancel``), or ``None``."""
    command = getattr(args, "command", None)
    if command == "run":
        return "run"
    if command == "play":
        if getattr(args, "syntax_check", False) or any(getattr(args, n, False)
                                                       for n in ("list_hosts", "list_tasks", "list_tags")):
            return None
        return "play"
    if command in WRITES:
        dest, words = WRITES[command]
        sub = getattr(args, dest, None)
        return f"{command} {sub}" if sub in words else None
    return None


def guard_of(args: argparse.Namespace) -> Guard:
    return Guard(bool(getattr(args, "global_readonly", False)), getattr(args, "protected", None) or ())


def refuse_readonly(args: argparse.Namespace) -> None:
    """``ftl-tui --readonly`` before a write command: ``ReadOnlyRefusal`` (exit 5)."""
    if getattr(args, "command", None) == "daemon" and getattr(args, "global_readonly", False):
        args.readonly = True  # ftl-tui --readonly daemon == ftl-tui daemon --readonly
        return
    action = write_action(args)
    if action is not None:
        guard_of(args).check_write(action, None)


def check_run(args: argparse.Namespace, inventory: Any, hosts: Sequence[str], action: str = "run") -> None:
    """The inventory's read-only flag, then its protected groups (asked on a terminal)."""
    check_targets(args, action, inventory, lambda: hosts)


def check_targets(args: argparse.Namespace, action: str, inventory: Any, hosts: Callable[[], Iterable[str]]) -> None:
    """:meth:`Guard.check_targets` (the one check of every face) with the CLI's answer:
    ``--confirm-protected``, else ``yes`` typed on a terminal, else exit 5."""
    try:
        guard_of(args).check_targets(action, inventory, hosts,
                                     confirmed=bool(getattr(args, "confirm_protected", False)), how=CONFIRM_HOW)
    except ProtectedConfirmationRequired as exc:
        if not _asked_yes(exc, args):
            raise


def check_playbook(args: argparse.Namespace, path: str, limit: str | None, inventory: Any,
                   roles_path: Sequence[str] = (), collections_paths: Sequence[str] = ()) -> None:
    """:func:`check_targets` on the hosts of a playbook's plays (loaded only when it matters)."""
    from ftltui.console.guard import playbook_hosts

    check_targets(args, "play", inventory,
                  lambda: playbook_hosts(path, limit, inventory, roles_path, collections_paths))


def check_workflow(args: argparse.Namespace, path: str, inventory: Any) -> None:
    from ftltui.console.guard import workflow_hosts

    check_targets(args, "play", inventory, lambda: workflow_hosts(path, inventory))


def _asked_yes(exc: ProtectedConfirmationRequired, args: argparse.Namespace) -> bool:
    """On a terminal (not --json), ask; ``yes`` continues. Without one: no."""
    if getattr(args, "json", False) or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    sys.stderr.write(f"{exc.touch.message}. Type yes to continue: ")
    sys.stderr.flush()
    try:
        return sys.stdin.readline().strip().lower() == "yes"
    except (OSError, KeyboardInterrupt):
        return False
