"""An owner dies while a workflow with a secret variable runs (session 10 review, finding 2).
The next owner retries the lost job, and without the secret it cannot: the job fails
``secrets_lost``. The reason used to say "the process that queued it ended before it ran" and
advise ``jobs requeue``, which would run the steps that had already succeeded again; an
attempt ran, so it says so and advises ``jobs retry``, which resumes. A real owner process
(SIGKILLed by itself), a real state dir, local-connection hosts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ownerkill import run_owner_until_killed

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory

SECRET = "tok-4711-never-stored"

CHILD = r'''
import asyncio, os, signal, sys
from pathlib import Path
from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory

state, inv, flow, pidf = (Path(a) for a in sys.argv[1:5])

async def child():
    async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
        await s.submit_workflow(str(flow), vars={"token": sys.argv[5]})
        while not pidf.exists() or not pidf.read_text().strip():  # step 2 is running
            await asyncio.sleep(0.05)
        s.queue.store.flush()
        os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(child())
'''


def test_a_lost_workflow_with_a_secret_is_told_to_retry_not_requeue(tmp_path: Path) -> None:
    state, inv, flow, pidf = tmp_path / "st", tmp_path / "inv.yml", tmp_path / "flow.yml", tmp_path / "pid"
    marker = tmp_path / "first-step-ran"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")
    flow.write_text(
        "name: tok\nhosts: all\nsecrets: [token]\nsteps:\n"
        f"  - name: first\n    module: shell\n    args: \"echo ran >> {marker}\"\n"
        f"  - name: second\n    module: shell\n    args: \"echo $$ > {pidf}; exec sleep 60\"\n")
    run_owner_until_killed(CHILD, str(state), str(inv), str(flow), str(pidf), SECRET, orphan_pid=pidf)

    async def next_owner() -> str:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            done = await s.queue.wait(1)
            assert done.error_kind == "secrets_lost", (done.state, done.reason)
            return done.reason

    reason = asyncio.run(next_owner())
    assert "ended before it ran" not in reason and "jobs requeue" not in reason, reason
    assert "`ftl-tui jobs retry 1` with --secret token resumes it" in reason, reason
    assert marker.read_text().split() == ["ran"]  # the first step ran once, and was not run again
    assert not any(SECRET.encode() in p.read_bytes() for p in state.rglob("*") if p.is_file())
