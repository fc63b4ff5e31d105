"""``view.watch`` on a real owner (issue 16 review): each job event is redacted and
encoded once for all attached views, not once per client; and the owner's schedule
changes (a client's edit, a firing of the daemon's loop) reach every view as a
``schedules`` item, so an attached console's Schedules view re-reads only then.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ftltui.api import view_stream
from ftltui.api.client import ApiClient
from ftltui.api.protocol import StreamEvent
from ftltui.console.schedules import ScheduleDesk

VIEWERS = 3


async def _watch(client: ApiClient, seen: list[dict[str, Any]], ready: asyncio.Event) -> None:
    async for msg in client.stream("view.watch"):
        if isinstance(msg, StreamEvent):
            seen.append(msg.event)
            if msg.event.get("view") == "ready":
                ready.set()


async def _until(predicate: Any, timeout: float = 60.0) -> None:
    """A guard against a hang, not a speed check."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_each_update_is_built_once_for_all_views_and_schedules_are_announced(
        owner: Any, monkeypatch: Any) -> None:
    built: list[int] = []
    record = view_stream._record

    def counted(ops: Any, event: Any) -> dict[str, Any]:
        built.append(1)
        return record(ops, event)

    monkeypatch.setattr(view_stream, "_record", counted)
    desk = ScheduleDesk.of(owner.session)
    assert desk.start()  # the owner session's firing loop, as `ftl-tui daemon` starts it
    clients = [await ApiClient.connect(owner.state_dir) for _ in range(VIEWERS)]
    views: list[list[dict[str, Any]]] = [[] for _ in clients]
    readies = [asyncio.Event() for _ in clients]
    tasks = [asyncio.create_task(_watch(c, seen, r)) for c, seen, r in zip(clients, views, readies)]
    try:
        for r in readies:
            await r.wait()
        ref = await clients[0].request("run.submit", pattern="localhost", module="ping", args={})
        await _until(lambda: all(any(e.get("view") == "event" and e["event"].get("event") == "job.succeeded"
                                     and e["event"].get("job_id") == ref["id"] for e in seen) for seen in views))
        events = [[e for e in seen if e.get("view") == "event"] for seen in views]
        assert events[0] == events[1] == events[2]
        assert len(built) == len(events[0])  # once per event, not once per view

        # a client's edit, then the daemon's loop (woken by it) fires: every view is told both
        added = await clients[1].request("schedule.add", cron="* * * * * *", argv=["run", "localhost", "-m", "ping"],
                                         tz="UTC")
        fired = f"schedule {added['id']} fired"
        await _until(lambda: all(any(e.get("reason") == fired for e in seen) for seen in views))
        for seen in views:
            reasons = [e["reason"] for e in seen if e.get("view") == "schedules"]
            assert reasons[0] == f"schedule {added['id']} added by a client" and fired in reasons
        await clients[1].request("schedule.pause", id=added["id"])
    finally:
        await desk.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            await c.close()
