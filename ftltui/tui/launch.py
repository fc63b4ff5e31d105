"""``ftl-tui`` with no sub-command: open the console."""

from __future__ import annotations

import argparse

from ftltui.commands.common import config_of, inventory_sources, state_dir_of
from ftltui.paths import is_demo_inventory


def launch(args: argparse.Namespace) -> int:
    from ftltui.commands.guard_cli import guard_of
    from ftltui.tui.app import FtlApp

    from ftltui.commands.vault_options import vault_keyring_for

    given = bool(getattr(args, "inventory", None))
    sources = inventory_sources(args)
    app = FtlApp(sources, state_dir_of(args), vault=vault_keyring_for(args),
                 demo_inventory=not given and is_demo_inventory(sources), ansible_config=config_of(args),
                 guard=guard_of(args))
    result = app.run()
    return int(result or 0)
