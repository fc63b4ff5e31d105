"""Drift accepted on the owner reaches every attached console (issue 16 review hQ #5).

A real owner (:class:`ConsoleSession` served with ``serve_session``, as the console and
``ftl-tui daemon`` serve) and two attached :class:`RemoteConsoleSession` s, in one loop.
Before the fix, console B's Drift pane kept showing what console A accepted until a scan
job ended.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ftltui.api.session_server import serve_session
from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.drift.model import Resource
from ftltui.drift.store import open_store
from ftltui.inventory import load_inventory

SOURCES = ["localhost,"]


async def _drift_seen(seen: list[up.ViewUpdate], start: int) -> up.DriftChanged:
    for _ in range(2000):  # a guard against a hang, not a speed check
        got = [u for u in seen[start:] if isinstance(u, up.DriftChanged)]
        if got:
            return got[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no DriftChanged; got {seen[start:][-5:]}")


async def test_an_accept_by_one_console_or_the_owner_reaches_the_other_consoles(tmp_path: Path) -> None:
    state = tmp_path / "state"
    owner = ConsoleSession(state, inventory=load_inventory(SOURCES))
    await owner.open()
    server = await serve_session(owner, SOURCES)
    assert server is not None and owner.queue is not None
    store = open_store(state, state=owner.queue.store)
    root = Resource("user", "root", {"uid": 0})
    store.save("localhost", [root], time=100.0, collector_version="1")
    store.save("localhost", [root, Resource("user", "eve", {"uid": 1002})], time=200.0, collector_version="1")
    a, b = RemoteConsoleSession(state), RemoteConsoleSession(state)
    seen_b: list[up.ViewUpdate] = []
    try:
        for console in (a, b):
            await console.open()
            await console.reload_inventory(["ignored,"])  # the owner's inventory is shown
        b.subscribe(seen_b.append)

        accepted = await a.drift_accept_async("all", "eve joined")
        assert accepted.changes == 1
        notice = await _drift_seen(seen_b, 0)
        assert "accepted" in notice.reason
        assert (await b.drift.report_async("all")).changes == []  # B re-reads: nothing left

        store.save("localhost", [root, Resource("user", "mallory", {"uid": 1003})], time=300.0, collector_version="1")
        mark = len(seen_b)
        # mallory added, and eve removed: not the change accepted (eve added), so shown again (value=)
        assert (await owner.drift_accept_async("all", "mallory too")).changes == 2  # the owner's own console
        await _drift_seen(seen_b, mark)
    finally:
        for console in (a, b):
            await console.close()
        await server.close()
        store.close()
        await owner.close()
