"""hV2 finding 1: the owner dies while a cancel is under way (job in CANCELLING). The host
that was running the command was closed as "cancelled" without ``started``, so ``retry``
re-ran a non-idempotent shell command on it. Now a host still running when the job is
closed as cancelled is recorded as "may have run" and ``retry`` refuses it.
A real owner process (SIGKILLed by itself), a real state dir, a local-connection host.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ownerkill import run_owner_until_killed

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory

CHILD = r'''
import asyncio, os, signal, sys
from pathlib import Path
from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.jobs import model as m

state, inv, marker, pidf = (Path(a) for a in sys.argv[1:5])

async def child():
    async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
        cmd = f"echo ran >> {marker}; echo $$ > {pidf}; exec sleep 60"
        job = await s.submit_run("h1", "shell", {"_raw_params": cmd})
        while not pidf.exists() or not pidf.read_text().strip():
            await asyncio.sleep(0.05)
        q = s.queue
        await q._transition(q._jobs[job.id], m.CANCELLING, "cancel requested")  # the cancel is on its way
        q.store.flush()
        os.kill(os.getpid(), signal.SIGKILL)  # ... and the owner dies

asyncio.run(child())
'''


def test_owner_dead_while_cancelling_retry_does_not_rerun(tmp_path: Path) -> None:
    state, inv, marker, pidf = tmp_path / "st", tmp_path / "inv.yml", tmp_path / "marker", tmp_path / "pid"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")
    run_owner_until_killed(CHILD, str(state), str(inv), str(marker), str(pidf), orphan_pid=pidf)

    async def recover() -> None:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            doc = s.queue.store.table("jobs").get(1)
            assert doc["state"] == "cancelled", doc["state"]
            last = doc["per_host"]["h1"]["attempts"][-1]
            assert last["status"] == "cancelled" and last.get("started") is True, last
            result = await s.job_action("retry", 1)
            assert not result.done and result.new_job is None, result.message
            assert "cancelled while it ran" in result.message and "h1" in result.message, result.message
            assert len(s.jobs) == 1

    asyncio.run(recover())
    assert marker.read_text().split() == ["ran"]  # the command ran once on h1
