"""``ftl-tui daemon``: own a state directory headless and serve its API until stopped.

For servers (run it under systemd: docs/api.md has a unit). The daemon opens the state
store as its only writer, recovers what a dead owner left behind, runs the queued
jobs, and listens on ``STATE_DIR/api.sock`` (mode 0600, same uid only). Other
``ftl-tui`` commands on that directory become its clients: ``run``, ``jobs list``,
``jobs logs -f`` print what they print when they own it. SIGTERM or SIGINT stops it:
running jobs are cancelled and recorded, the socket is removed. The daemon also fires
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
    from ftltui.api.local_operations import LocalOperations
    from ftltui.api.server import ApiServer
    from ftltui.drift import jobs as drift_jobs
    from ftltui.engine.executor import Executor
    from ftltui.jobs import JobQueue
    from ftltui.jobs.kinds import register_builtin
    from ftltui.sites.placement import site_placements
    from ftltui.state import StateStore

    state_dir = state_dir_of(args)
    # hosts with a site run on its workers (docs/sites.md); a bad broker/key setting exits 5 here
    placements = site_placements(inventory, state_dir=state_dir, inventory_of=lambda: executor.inventory)
    store = StateStore.open(state_dir)  # StateError (exit 4) when another process owns it
    from ftltui.commands.options import workers_of

    # hosts without a site: FTL_TUI_WORKERS worker processes here, else auto (issue 17)
    executor = Executor(inventory, placements=placements, workers=workers_of(args))
    queue = JobQueue(store, executor=executor, concurrency=args.concurrency)
    register_builtin(queue)
    drift_jobs.register(queue)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        # recovers jobs a dead owner left running; read-only: starts nothing, queued jobs wait
        await queue.start(dispatch=not args.readonly)
        ops = LocalOperations(queue, inventory_sources=sources, readonly=args.readonly)
        server = ApiServer(state_dir, ops, readonly=args.readonly)
        async with server:
            note(f"daemon pid {os.getpid()} owns {state_dir}, serving {server.path}"
                 + (" (read-only)" if args.readonly else ""))
            sys.stderr.flush()
            # the operations' loop: clients' edits (api/schedule_ops.py) wake it, firings reach attached views
            scheduler = None if args.readonly else asyncio.create_task(ops.fire_schedules(), name="ftl-schedules")
            await stop.wait()
            if scheduler is not None:
                scheduler.cancel()
                await asyncio.gather(scheduler, return_exceptions=True)
        note("daemon stopping: running jobs are cancelled")
    finally:
        await queue.stop()
        await executor.close()
        store.close()
    return EXIT_OK

