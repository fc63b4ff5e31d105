"""Options and output helpers shared by the headless commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ftltui.paths import default_inventory

EXIT_OK = 0
EXIT_FAILED = 2
EXIT_UNREACHABLE = 3
EXIT_BAD_INPUT = 4


def add_inventory_arg(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a sub-command's default must not clobber a top-level ``-i``.
    parser.add_argument(
        "-i",
        "--inventory",
        action="append",
        metavar="INV",
        default=argparse.SUPPRESS,
        help="inventory file or directory (repeatable; default: the bundled sample_inventory)",
    )


def add_state_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        default=argparse.SUPPRESS,
        help="state directory (default: $FTL_TUI_HOME, else the XDG data dir)",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")


def inventory_sources(args: argparse.Namespace) -> list[str]:
    return list(getattr(args, "inventory", None) or [str(default_inventory())])


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
    sys.stderr.write(f"ftl-tui: error: {msg}\n")
