"""Pinning baselines through the owner's session runs off its event loop (review finding 2
of hQ2): while the pin reads the snapshot store, the loop keeps running (its jobs' events,
every attached client's stream). A real session and snapshot store; the store's read is
wrapped to wait for a step that only the running loop can take."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from ftltui.console import ConsoleSession
from ftltui.console.results import BaselineRequest
from ftltui.drift.model import Resource


async def test_a_pin_reads_the_store_while_the_loop_runs_on(tmp_path: Path) -> None:
    async with ConsoleSession(tmp_path / "state", dispatch=False) as session:
        store = session.drift.snapshots
        meta = store.save("h1", [Resource("user", "alice", {"uid": 1000})], time=1000.0, collector_version="1")
        loop_ran = threading.Event()
        seen: list[bool] = []
        real_latest = store.latest

        def latest(host: str) -> Any:
            # on the loop this wait could never end early: the loop is the one that sets it
            seen.append(loop_ran.wait(timeout=5))
            return real_latest(host)

        store.latest = latest  # type: ignore[method-assign]
        ticker = asyncio.get_running_loop().call_later(0.01, loop_ran.set)
        try:
            pins = await session.drift_baseline(BaselineRequest(("h1",)))
        finally:
            ticker.cancel()
            del store.latest
        assert seen == [True]
        assert [(p.scope, p.name, p.snapshot) for p in pins] == [("host", "h1", meta.id)]
        assert store.baselines() == {("host", "h1"): meta.id}
