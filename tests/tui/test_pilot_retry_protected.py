"""``r`` and ``u`` on a job of protected hosts ask the protected-group question (hR finding 15).

A retry or requeue is a new run on those hosts: docs/readonly.md says a run whose hosts
include a protected group's asks first, and the Jobs pane's keys queued it at once. A console
ATTACHED to an owner asks too, before it sends ``jobs.action`` (the owner asks a client
nothing; the gap 9270248 left). Real app through the pilot, a real state dir holding a failed
job on group ``prod``; for the attached case a real daemon owns it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from daemonhelp import serving_daemon
from guardinv import guard_inventory
from textual.screen import ModalScreen
from tuihelpers import ready, screen_text, wait_for

from ftltui.api.client import ApiClient
from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.tui.app_attach import drift_ready, owns_jobs


async def _failed_prod_job(state: Path, inventory: Path) -> int:
    async with ConsoleSession(state, inventory=load_inventory([str(inventory)])) as session:
        job = await session.submit_run("prod", "command", {"_raw_params": "false"}, confirmed=True)
        assert session.queue is not None
        assert (await session.queue.wait(job.id)).state == "failed"
        return job.id


async def _no_then_yes(pilot: Any, job_id: int, job_ids: Callable[[], Awaitable[list[int]]]) -> None:
    """``r`` and ``u`` answered no (nothing queued anywhere), then ``r`` answered yes."""
    from ftltui.tui.app_guard import ProtectedConfirmScreen

    app = pilot.app
    await pilot.press("4")
    for key in ("r", "u"):
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
        assert "protected group prod" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModalScreen))
        assert await job_ids() == [job_id], key
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
    await pilot.press("y")
    await wait_for(pilot, lambda: len(app.services.jobs) == 2)
    new = max(app.services.jobs.values(), key=lambda j: j.id)
    assert new.parent == job_id and sorted(new.hosts) == ["p1", "p2"]


async def test_retry_and_requeue_of_a_protected_job_ask_first(make_app: Any, tmp_path: Path) -> None:
    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: [prod]")
    state = tmp_path / "state"
    job_id = await _failed_prod_job(state, inventory)
    app = make_app([str(inventory)], state_dir=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: job_id in app.services.jobs)

        async def local_ids() -> list[int]:
            return sorted(app.services.jobs)

        await _no_then_yes(pilot, job_id, local_ids)
        assert app.services.queue is not None
        await app.services.queue.wait(max(app.services.jobs))


async def test_attached_retry_and_requeue_of_a_protected_job_ask_first(make_app: Any, tmp_path: Path) -> None:
    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: [prod]")
    state = tmp_path / "state"
    job_id = await _failed_prod_job(state, inventory)
    daemon = serving_daemon(state, inventory=str(inventory))
    next(daemon)
    try:
        app = make_app([str(inventory)], state_dir=state)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.inventory is not None and drift_ready(app.services))
            assert not owns_jobs(app.services)  # attached: the daemon owns the directory
            await wait_for(pilot, lambda: job_id in app.services.jobs)

            async def owner_ids() -> list[int]:  # nothing sent to the owner after a no
                async with await ApiClient.connect(state) as client:
                    return sorted(int(r["id"]) for r in await client.request("jobs.list"))

            await _no_then_yes(pilot, job_id, owner_ids)
    finally:
        daemon.close()  # SIGTERM and reap
