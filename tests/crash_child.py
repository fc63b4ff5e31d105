"""A workflow job run until SIGKILLed (tests/jobs/test_crash.py, tests/hardening/test_faults_crash.py).

Prints ``T <transition> <state>`` for each committed job transition and
``S <job> <step> <state>`` for each step change, both after their commit.
"""

from __future__ import annotations

import asyncio
import sys

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue, RetryPolicy
from ftltui.jobs.kinds import enqueue_workflow, register_builtin
from ftltui.state import StateStore


async def main(state_dir: str, inventory: str, workflow: str) -> None:
    store = StateStore.open(state_dir)
    ex = Executor(load_inventory([inventory]))
    q = JobQueue(store, executor=ex, heartbeat=0.05)
    register_builtin(q)

    def on_event(ev) -> None:  # events are emitted only after their fsync returned
        if getattr(ev, "transition", ""):
            sys.stdout.write(f"T {ev.transition} {ev.state}\n")
        elif ev.type == "StepChanged":
            sys.stdout.write(f"S {ev.job_id} {ev.step} {ev.state}\n")
        sys.stdout.flush()

    q.bus.subscribe(on_event)
    await q.start()
    job = await enqueue_workflow(q, workflow, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02))
    await q.wait(job.id)
    sys.stdout.write("DONE\n")
    sys.stdout.flush()
    await q.stop()
    store.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
