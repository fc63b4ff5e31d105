"""What the job tests share: a scripted job kind, a real queue with the built-in kinds, an inventory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from netutil import closed_port

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue, Outcome
from ftltui.jobs.kinds import register_builtin
from ftltui.state import StateStore


async def builtin_queue(state: Path, inv_sources: list[str]) -> JobQueue:
    """A started queue with the built-in kinds on the real executor (a fast heartbeat)."""
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory(inv_sources)), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    return q


async def close_queue(q: JobQueue) -> None:
    """Stop the queue, then what it was built on (executor, store)."""
    await q.stop()
    await q.executor.close()
    q.store.close()


async def scripted(job, ctx) -> Outcome:
    """Outcome per attempt from ``spec["script"]``: ok, transient, permanent, hang."""
    script = ctx.spec.get("script") or ["ok"]
    step = script[min(job.attempts - 1, len(script) - 1)]
    await asyncio.sleep(ctx.spec.get("sleep", 0))
    if step == "ok":
        return Outcome("ok")
    if step == "transient":
        return Outcome("error", "unreachable", "host down")
    if step == "permanent":
        return Outcome("error", "auth_failed", "denied")
    if step == "hang":
        await asyncio.sleep(3600)
    if step == "stubborn":  # ignores the first cancellation for a while
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(1.0)
            raise
    raise AssertionError(step)


def inventory_with_unreachable(path, local=("l1", "l2"), far=("far1",)):
    """Local hosts plus ssh hosts on a closed loopback port (unreachable at connect)."""
    port = closed_port()
    lines = ["all:", "  hosts:"]
    lines += [f"    {h}:\n      ansible_connection: local" for h in local]
    lines += [f"    {h}:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      ansible_user: nobody"
              for h in far]
    path.write_text("\n".join(lines) + "\n")
    return path


# A real owner in a child process: it runs one run job ("all", shell ARGS) or workflow WF
# to the end, so a test can SIGKILL it mid-run and recover the state directory.
# argv: STATE INVENTORY ARGS_JSON WORKFLOW_PATH_OR_EMPTY. ``prelude`` runs first.
OWNER_CHILD = """\
import asyncio, json, sys
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue, RetryPolicy, context
from ftltui.jobs.kinds import enqueue_run, enqueue_workflow, register_builtin
from ftltui.state import StateStore

{prelude}

async def main(state, inv, args, wf):
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([inv])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    policy = RetryPolicy(base_delay=0.01)
    if wf:
        job = await enqueue_workflow(q, wf, retry=policy)
    else:
        job = await enqueue_run(q, "all", "shell", json.loads(args), retry=policy)
    await q.wait(job.id)

asyncio.run(main(*sys.argv[1:5]))
"""


def owner_child(prelude: str = "") -> str:
    """The :data:`OWNER_CHILD` script with ``prelude`` (e.g. settings patched) before it runs."""
    return OWNER_CHILD.format(prelude=prelude)

