"""The ``ftl-tui`` entry point: the console with no sub-command, headless commands otherwise."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ftltui import __version__
from ftltui.commands import COMMAND_MODULES
from ftltui.commands.common import EXIT_BAD_INPUT, add_inventory_arg, add_state_arg, error
from ftltui.errors import FtlError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ftl-tui",
        description="Keyboard-driven terminal operations console for infrastructure automation.",
    )
    parser.add_argument("--version", action="version", version=f"ftl-tui {__version__}")
    add_state_arg(parser)
    add_inventory_arg(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"ftltui.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ftltui.commands.{name}":
                continue  # not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from ftltui.tui.launch import launch

            return launch(args)
        return int(args.func(args) or 0)
    except FtlError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        # `ftl-tui run ... --json | head`: the reader left; exit quietly like other CLI tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
