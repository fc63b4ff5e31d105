"""``ftl-tui daemon``: own a state directory headless and serve its API until stopped.

For servers (run it under systemd: docs/api.md has a unit). The daemon opens the state
store as its only writer, recovers what a dead owner left behind, runs the queued
jobs, and listens on ``STATE_DIR/api.sock`` (mode 0600, same uid only). Other
``ftl-tui`` commands on that directory become its clients: ``run``, ``jobs list``,
``jobs logs -f`` print what they print when they own it. SIGTERM or SIGINT stops it:
running jobs are cancelled and recorded; queued jobs stay queued and run when the next owner
starts, except the job a waiting ``run``/``play`` client asked for, which is cancelled with it
(that client exits 1); the socket is removed. The daemon also fires
the directory's schedules (``ftl-tui schedule``), unless it is ``--readonly``.

Exit status: 0 stopped by a signal, 4 the state directory is in use or unusable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import TYPE_CHECKING

from ftltui.commands.common import (
    EXIT_OK,
    add_inventory_arg,
    add_state_arg,
    examples,
    inventory_sources,
    keyring_of,
    load_inventory_of,
    note,
    state_dir_of,
)

if TYPE_CHECKING:
    from ftltui.inventory import Inventory

EXAMPLES = examples(
    "ftl-tui daemon -i inventory.yml                      # owner of the default state dir",
    "ftl-tui daemon -i inventory.yml --state-dir /var/lib/ftl-tui",
    "ftl-tui daemon --readonly                            # clients may look, nothing may start",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("daemon", help="own the state directory headless and serve clients (for servers)",
                       description=__doc__, epilog=EXAMPLES)
    p.add_argument("--readonly", action="store_true",
                   help="start nothing: refuse every write request from clients, leave queued jobs and schedules be")
    p.add_argument("--concurrency", type=int, default=8, metavar="N", help="jobs run at once (default 8)")
    add_inventory_arg(p)
    add_state_arg(p)
    p.set_defaults(func=handle, command_parser=p)


def handle(args: argparse.Namespace) -> int:
    inventory = load_inventory_of(args)  # bad inventory: exit 4 before anything is opened
    from ftltui.api.operations import inventory_key

    sources = [inventory_key(s) for s in inventory_sources(args)]
    return asyncio.run(_serve(args, inventory, sources))


async def _serve(args: argparse.Namespace, inventory: Inventory, sources: list[str]) -> int:
    """The daemon is a headless face on a :class:`ConsoleSession`, served as a console serves
    its own (``SessionOperations``) and firing the schedules with the session's desk."""
    from ftltui.api.session_server import serve_session
    from ftltui.commands.options import workers_of
    from ftltui.console.engine_settings import EngineSettings
    from ftltui.console.guard import Guard
    from ftltui.console.schedules import ScheduleDesk
    from ftltui.console.session import ConsoleSession

    state_dir = state_dir_of(args)
    # hosts with a site run on its workers (docs/sites.md), a bad broker/key setting exits 5 before the
    # store is taken; hosts without a site: FTL_TUI_WORKERS worker processes here, else auto (issue 17);
    # the state dir held by another process: StateError (exit 4); read-only: starts nothing, queued jobs wait
    # the daemon's keyring decrypts its playbook jobs' inline !vault values too, as the console's does
    session = ConsoleSession(state_dir, inventory=inventory, concurrency=args.concurrency, vault=keyring_of(args),
                             guard=Guard(readonly=bool(args.readonly), why="ftl-tui daemon --readonly"),
                             engine=EngineSettings(workers=workers_of(args)), lock_wait=0.0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with session:  # recovers jobs a dead owner left running
        server = await serve_session(session, sources, readonly=args.readonly)  # as a console serves its own
        assert server is not None  # lock_wait=0.0: the directory is this session's, or StateError was raised
        desk = ScheduleDesk.of(session)
        try:
            note(f"daemon pid {os.getpid()} owns {state_dir}, serving {server.path}"
                 + (" (read-only)" if args.readonly else ""))
            sys.stderr.flush()
            desk.start()  # the schedules fire unless read-only; clients' edits wake it (SessionOperations)
            try:
                await stop.wait()
            finally:
                await desk.stop()
        finally:
            await server.close()
        note("daemon stopping: running jobs are cancelled; queued jobs stay queued for the next owner "
             "(a waiting client's job that had not started is cancelled)")
    return EXIT_OK
