"""Run by test_faults_crash.py: a workflow job on SSH test-bed hosts, until SIGKILLed.

Prints ``S <job> <step> <state>`` for each step change (printed after its commit).
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

    def on_event(ev) -> None:  # StepChanged is emitted after the step record was committed
        if ev.type == "StepChanged":
            sys.stdout.write(f"S {ev.job_id} {ev.step} {ev.state}\n")
            sys.stdout.flush()

    q.bus.subscribe(on_event)
    await q.start()
    job = await enqueue_workflow(q, workflow, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02))
    await q.wait(job.id)
    sys.stdout.write("DONE\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
