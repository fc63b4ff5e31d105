"""``ftl-tui`` with no sub-command: open the console."""

from __future__ import annotations

import argparse

from ftltui.commands.common import inventory_sources, state_dir_of


def launch(args: argparse.Namespace) -> int:
    from ftltui.tui.app import FtlApp

    from ftltui.commands.vault_options import vault_keyring_for

    app = FtlApp(inventory_sources(args), state_dir_of(args), vault=vault_keyring_for(args))
    result = app.run()
    return int(result or 0)
