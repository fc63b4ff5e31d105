"""``ftl-tui`` with no sub-command: open the console."""

from __future__ import annotations

import argparse

from ftltui.commands.common import inventory_sources, state_dir_of


def launch(args: argparse.Namespace) -> int:
    from ftltui.tui.app import FtlApp

    app = FtlApp(inventory_sources(args), state_dir_of(args))
    result = app.run()
    return int(result or 0)
