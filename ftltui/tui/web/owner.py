"""serve as the owner of its state directory, so every browser tab is a client.

A console opened on a state directory that another process owns attaches to that
owner (its jobs, logs and drift, live; its runs are the owner's jobs). ``ftl-tui
serve`` makes use of that: when nobody owns the directory, serve opens it itself, as
the console does (the same session settings: ansible.cfg's var defaults, forks, roles
and collections paths, the vault keyring) and serves its API, so each tab's console
attaches to serve and two tabs see the same jobs. Tabs come and go; the jobs and the
directory stay with serve. It also fires the directory's schedules, as the daemon does
(not when read-only). When a daemon or a console already owns it, serve leaves it to
them and the tabs attach there.

Uses only public surfaces: :func:`~ftltui.api.cli_client.connect_owner`, the
console's session wiring (:func:`ftltui.tui.services.console_session`, plain Python),
:func:`~ftltui.api.session_server.serve_session` and the session's
:class:`~ftltui.console.schedules.ScheduleDesk` (the firing loop a console owner runs:
a client's edit wakes it, each firing reaches the attached tabs' Schedules views).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ftltui.inventory import Inventory


@asynccontextmanager
async def owning(state_dir: Path, sources: Sequence[str], inventory: Inventory, *, vault: Any,
                 ansible_config: Any, readonly: bool, protected: Sequence[str] = ()) -> AsyncIterator[str]:
    """Own ``state_dir`` for the duration, if nobody does; yields a sentence saying who owns it.

    ``readonly`` and ``protected`` are the session's guard (as ``ftl-tui --readonly
    --protected G``): a read-only serve starts nothing and its API refuses every write."""
    from ftltui.api.cli_client import connect_owner

    client = await connect_owner(state_dir)
    if client is not None:
        await client.close()
        yield f"another process owns {state_dir}: each tab attaches to it"
        return

    from ftltui.api.session_server import serve_session
    from ftltui.console.guard import Guard
    from ftltui.console.schedules import ScheduleDesk
    from ftltui.tui.services import console_session

    session = console_session(state_dir, clock=time.time, vault=vault, ansible_config=ansible_config,
                              guard=Guard(readonly, protected))
    await session.open()
    server = None
    desk = ScheduleDesk.of(session)  # the console's and the daemon's one firing loop
    try:
        session.set_inventory(inventory)
        server = await serve_session(session, sources, readonly=readonly)
        if server is None:  # taken between the probe and the open: that owner serves the tabs
            yield f"another process owns {state_dir}: each tab attaches to it"
            return
        desk.start()  # not when read-only: the desk asks the session
        yield (f"serve (pid {os.getpid()}) owns {state_dir}" + (" read-only" if readonly else "")
               + ": each tab attaches to it")
    finally:
        await desk.stop()
        if server is not None:
            await server.close()
        await session.close()

