"""``ftl-tui serve`` owning its state directory fires schedules with the console's loop
(issue 16 review): the session's ScheduleDesk, not a copy without wake-up. A client's
``schedule.add`` is announced to the tabs' views and wakes the loop, which fires the
every-second schedule as a job of serve's session and announces that too (real clock,
real session, real API socket; no browser needed for this).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ftltui.api.client import ApiClient
from ftltui.api.protocol import StreamEvent
from ftltui.inventory import load_inventory
from ftltui.tui.web.owner import owning

INVENTORY = "localhost,"


async def test_serve_fires_a_clients_schedule_and_tells_the_tabs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    async with owning(state, [INVENTORY], load_inventory([INVENTORY]), vault=None, ansible_config=None,
                      readonly=False) as said:
        assert "owns" in said
        reasons: list[str] = []
        ready = asyncio.Event()

        async def watch(client: ApiClient) -> None:
            async for msg in client.stream("view.watch"):
                if isinstance(msg, StreamEvent):
                    if msg.event.get("view") == "ready":
                        ready.set()
                    elif msg.event.get("view") == "schedules":
                        reasons.append(str(msg.event["reason"]))

        async with await ApiClient.connect(state) as client:
            task = asyncio.create_task(watch(client))
            try:
                await ready.wait()
                added: dict[str, Any] = await client.request(
                    "schedule.add", cron="* * * * * *", argv=["run", "localhost", "-m", "ping"], tz="UTC")
                fired = f"schedule {added['id']} fired"
                loop = asyncio.get_running_loop()
                end = loop.time() + 60  # a guard against a hang, not a speed check
                while fired not in reasons:
                    assert loop.time() < end, reasons
                    await asyncio.sleep(0.05)
                assert reasons[0] == f"schedule {added['id']} added by a client"
                await client.request("schedule.pause", id=added["id"])
                (row,) = await client.request("schedule.list")
                assert row["paused"] and row["last_job"] is not None
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
