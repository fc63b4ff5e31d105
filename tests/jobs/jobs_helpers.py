"""What the job tests share: a scripted job kind, a real queue with the built-in kinds, an inventory."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from netutil import closed_port

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import Job, JobQueue, Outcome
from ftltui.jobs.kinds import register_builtin
from ftltui.paths import REPO_DIR
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



def start_owner(script: str, state: Path, inv: Path, args: dict[str, Any], workflow: Path | None) -> subprocess.Popen:
    """An :func:`owner_child` ``script`` running the shell ``args`` as a run job, or as step
    ``append`` of a workflow (then step ``after``, a ping, depends on it) when ``workflow``
    (the file to write it to) is given."""
    wf = ""
    if workflow is not None:
        workflow.write_text(json.dumps({"name": "w", "hosts": "all", "steps": [
            {"name": "append", "module": "shell", "args": args},
            {"name": "after", "module": "ping", "depends_on": ["append"]}]}))
        wf = str(workflow)
    return subprocess.Popen([sys.executable, "-c", script, str(state), str(inv), json.dumps(args), wf],
                            env={**os.environ, "PYTHONPATH": str(REPO_DIR)})


def ledger(doc: dict, workflow: bool) -> dict:
    """The per-host ledger of a job record (a run job's own, or its workflow step ``append``'s)."""
    if workflow:
        return ((doc.get("steps") or {}).get("append") or {}).get("per_host") or {}
    return doc.get("per_host") or {}


def reap_owner(child: subprocess.Popen, pid: Path) -> None:
    """Kill the owner if it still runs, and the command whose pid it wrote to ``pid`` (a
    SIGKILLed owner leaves it running)."""
    if child.poll() is None:
        child.kill()
        child.wait()
    if pid.exists():
        try:
            os.kill(int(pid.read_text()), signal.SIGKILL)
        except (OSError, ValueError):
            pass


async def recover(state: Path, inv: Path) -> Job:
    """Open the state a killed owner left on a new queue, let it finish job 1, return it."""
    q = await builtin_queue(state, [str(inv)])
    await q.drain()
    job = q.get(1)
    await close_queue(q)
    assert job is not None
    return job
