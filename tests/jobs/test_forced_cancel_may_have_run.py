"""A cancel forced after its grace while a host is still running (``forced after grace
period``): that host's command had begun, so it counts as may-have-run. A re-run from
failure (``jobs retry``) leaves it alone unless the command is idempotent; ``jobs
requeue`` is the explicit way to run it again. The hold is real: a local command that
ignores SIGTERM, so the engine's stop takes longer than the queue's grace."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from jobs_helpers import close_queue, inventory_with_unreachable

from ftltui.engine.events import HostFinished, OutputLine
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.again import again_hosts, held_hosts, refusal
from ftltui.jobs.events import JobOutput
from ftltui.jobs.kinds import enqueue_run, register_builtin
from ftltui.jobs.retry import may_have_run
from ftltui.state import StateStore

# l1 holds (SIGTERM ignored, by sleep too: an ignored signal stays ignored across exec);
# l2 finishes at once
HOLD = "{% if inventory_hostname == 'l1' %}trap '' TERM; echo holding; sleep 30{% else %}true{% endif %}"


async def _forced(tmp_path: Path, args: dict[str, Any]) -> tuple[JobQueue, dict[str, Any], int]:
    inv = inventory_with_unreachable(tmp_path / "inv.yml", far=())
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])),
                 heartbeat=0.05, grace=0.3)
    register_builtin(q)
    await q.start()
    holding, l2_done = asyncio.Event(), asyncio.Event()

    def watch(e: object) -> None:
        ev = e.event if isinstance(e, JobOutput) else None
        if isinstance(ev, OutputLine) and ev.text.strip() == "holding":
            holding.set()
        elif isinstance(ev, HostFinished) and ev.host == "l2":
            l2_done.set()

    q.bus.subscribe(watch)
    job = await enqueue_run(q, "all", "shell", {"cmd": HOLD, **args})
    await asyncio.wait_for(holding.wait(), 60)  # l1's trap is set: SIGTERM will not stop it
    await asyncio.wait_for(l2_done.wait(), 60)
    await q.cancel(job.id)
    done = await q.wait(job.id)
    assert done.state == "cancelled" and done.reason == "forced after grace period", (done.state, done.reason)
    return q, dict(q.store.table("jobs").get(job.id) or {}), job.id


async def test_a_forced_cancel_holds_back_the_host_that_was_running(tmp_path: Path) -> None:
    q, doc, job_id = await _forced(tmp_path, {})
    try:
        l1 = doc["per_host"]["l1"]["attempts"][-1]
        assert l1["status"] == "cancelled" and l1.get("started") and may_have_run(l1), l1
        assert doc["per_host"]["l2"]["attempts"][-1]["status"] == "changed"
        assert held_hosts(doc) == {"l1": "cancelled while it ran"}
        log = q.store.log_path(job_id)
        assert again_hosts(doc, True, log) == []  # a retry would run nothing ...
        assert "nothing to re-run" in (refusal(doc, job_id, True, log) or "")  # ... so it is refused
        assert sorted(again_hosts(doc, False, log) or []) == ["l1", "l2"]  # requeue: the explicit re-run
    finally:
        await close_queue(q)


async def test_an_idempotent_command_is_re_run_after_a_forced_cancel(tmp_path: Path) -> None:
    q, doc, job_id = await _forced(tmp_path, {"creates": str(tmp_path / "never")})
    try:
        assert may_have_run(doc["per_host"]["l1"]["attempts"][-1])
        assert held_hosts(doc) == {}
        log = q.store.log_path(job_id)
        assert again_hosts(doc, True, log) == ["l1"], doc["per_host"]
        assert refusal(doc, job_id, True, log) is None
    finally:
        await close_queue(q)
