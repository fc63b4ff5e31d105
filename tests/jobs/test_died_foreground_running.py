"""hV2 finding 3: a waiting client's job (``Job.foreground``) that was *running* when its owner
died went to retry_wait when its retry policy allowed a lost attempt (a workflow: 3 attempts),
and the next owner ran it again with nobody watching: its client had already exited 1. Now
the recovery fails it as lost with a reason that says so, never retry_wait, and nothing runs
again. A real owner process (SIGKILLed by itself), a real state dir, a local-connection host.
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
from ftltui.jobs.kinds import enqueue_workflow

state, inv, wf, pidf = (Path(a) for a in sys.argv[1:5])

async def child():
    async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
        await enqueue_workflow(s.queue, wf, foreground=True)  # what `ftl-tui workflow run` asks an owner
        while not pidf.exists() or not pidf.read_text().strip():
            await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGKILL)  # the owner dies while the job runs

asyncio.run(child())
'''


def test_a_waiting_clients_running_job_is_not_retried_after_its_owner_died(tmp_path: Path) -> None:
    state, inv, wf = tmp_path / "st", tmp_path / "inv.yml", tmp_path / "wf.yml"
    marker, pidf = tmp_path / "marker", tmp_path / "pid"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")
    wf.write_text(f"name: w\nhosts: h1\nsteps:\n  - name: a\n    module: shell\n"
                  f"    args: 'echo ran >> {marker}; echo $$ > {pidf}; exec sleep 60'\n")
    run_owner_until_killed(CHILD, str(state), str(inv), str(wf), str(pidf), orphan_pid=pidf)

    async def recover() -> None:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            doc = s.queue.store.table("jobs").get(1)
            assert doc["foreground"] is True
            assert doc["state"] == "failed", (doc["state"], doc["history"][-1])
            reason = doc["history"][-1][2]
            assert "waiting client" in reason and "not retried unattended" in reason, reason
            assert len(s.queue.attempts(1)) == 1

    asyncio.run(recover())
    assert marker.read_text().split() == ["ran"]
