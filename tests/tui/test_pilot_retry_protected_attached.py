"""A console ATTACHED to an owner asks the protected-group question before its ``r``/``u``
re-run a job of protected hosts (hR finding 15, the gap 9270248 left): the owner asks no
question for a client, so the attached face asks it, as the owning console does, before it
sends ``jobs.action``. Real daemon owning a real state dir holding a failed job on group
``prod``, the app attached to it through the pilot.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from daemonhelp import start_daemon
from guardinv import guard_inventory
from textual.screen import ModalScreen
from tuihelpers import screen_text, wait_for

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


async def _owner_job_ids(state: Path) -> list[int]:
    async with await ApiClient.connect(state) as client:
        return sorted(int(r["id"]) for r in await client.request("jobs.list"))


async def test_attached_retry_and_requeue_of_a_protected_job_ask_first(make_app: Any, tmp_path: Path) -> None:
    from ftltui.tui.app_guard import ProtectedConfirmScreen

    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: [prod]")
    state = tmp_path / "state"
    job_id = await _failed_prod_job(state, inventory)
    daemon = start_daemon(state, inventory=str(inventory))
    try:
        app = make_app([str(inventory)], state_dir=state)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.inventory is not None and drift_ready(app.services))
            assert not owns_jobs(app.services)  # attached: the daemon owns the directory
            await wait_for(pilot, lambda: job_id in app.services.jobs)
            await pilot.press("4")
            for key in ("r", "u"):
                await pilot.press(key)
                await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
                assert "protected group prod" in screen_text(app)
                await pilot.press("n")
                await wait_for(pilot, lambda: not isinstance(app.screen, ModalScreen))
                assert await _owner_job_ids(state) == [job_id], key  # nothing sent to the owner
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: len(app.services.jobs) == 2)
            new = max(app.services.jobs.values(), key=lambda j: j.id)
            assert new.parent == job_id and sorted(new.hosts) == ["p1", "p2"]
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
