"""hV2 finding 4: a session that recovers a job from a dead owner into retry_wait (a lost
attempt of an idempotent module) left its hosts as the dead owner's attempt had them
(``running`` in an attached console's Inventory pane and host results): the closed-hosts
update ran for terminal states only. Now retry_wait closes them too, as their ledger says.
A real owner process (SIGKILLed by itself), a real state dir, a local-connection host.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ownerkill import run_owner_until_killed

from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.inventory import load_inventory

CHILD = r'''
import asyncio, os, signal, sys
from pathlib import Path
from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.jobs import RetryPolicy
from ftltui.jobs.kinds import enqueue_run

state, inv, pidf = (Path(a) for a in sys.argv[1:4])

async def child():
    async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
        # idempotent (creates=), 3 tries, a retry an hour away: the recovery leaves it in retry_wait
        await enqueue_run(s.queue, "h1", "shell", {"_raw_params": f"echo $$ > {pidf}; exec sleep 60",
                                                  "creates": "/nonexistent/hv2-4"},
                          retry=RetryPolicy(max_attempts=3, base_delay=3600, max_delay=3600))
        while not pidf.exists() or not pidf.read_text().strip():
            await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(child())
'''


def test_hosts_of_a_job_recovered_to_retry_wait_are_not_left_running(tmp_path: Path) -> None:
    state, inv, pidf = tmp_path / "st", tmp_path / "inv.yml", tmp_path / "pid"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")
    run_owner_until_killed(CHILD, str(state), str(inv), str(pidf), orphan_pid=pidf)

    async def recover() -> None:
        session = ConsoleSession(state, inventory=load_inventory([str(inv)]))
        shown: list[up.HostProgress] = []
        session.subscribe(lambda u: shown.append(u) if isinstance(u, up.HostProgress) else None)
        async with session as s:
            job = s.jobs[1]
            assert job.state == "retry_wait", job.state
            assert s.host_results(job) == {"h1": "failed"}, s.host_results(job)
            assert s.host_status.get("h1") == "failed", s.host_status
            assert [(u.host, u.status) for u in shown if u.job_id == 1] == [("h1", "failed")]

    asyncio.run(recover())
