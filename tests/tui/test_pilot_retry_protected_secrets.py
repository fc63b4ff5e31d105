"""``u`` on a job of protected hosts that had a secret asks the protected-group question
BEFORE the secret (session 10 review, defect 3 of session 11).

The owning console's session answered ``needs_secrets`` before it asked the guard, so the
operator typed the become password first and was asked about the protected group after;
a "no" then threw away a password typed for nothing. Now the question comes first: "no"
queues nothing and asks for no secret; "yes" brings the secret prompt, and ``esc`` on it
queues nothing either. Real app through the pilot, a real state dir whose failed job on
group ``prod`` (local hosts, ``su`` with a password: it fails) a console session made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guardinv import guard_inventory
from textual.screen import ModalScreen
from tuihelpers import ready, screen_text, wait_for

from ftltui.console import ConsoleSession
from ftltui.console.run_args import RunBecome
from ftltui.inventory import load_inventory

SECRET = "pr0tected-Become"


async def _failed_prod_become_job(state: Path, inventory: Path) -> int:
    async with ConsoleSession(state, inventory=load_inventory([str(inventory)])) as session:
        job = await session.submit_run("prod", "command", {"_raw_params": "false"}, confirmed=True,
                                       become=RunBecome("nobody", "su", SECRET))
        assert session.queue is not None
        assert (await session.queue.wait(job.id)).state in ("failed", "dead")
        return job.id


async def test_requeue_asks_the_protected_question_before_the_secret(make_app: Any, tmp_path: Path) -> None:
    from ftltui.tui.app_guard import ProtectedConfirmScreen
    from ftltui.tui.screens.secret_prompt import SecretPrompt

    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: [prod]")
    state = tmp_path / "state"
    job_id = await _failed_prod_become_job(state, inventory)
    app = make_app([str(inventory)], state_dir=state)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: job_id in app.services.jobs)
        await pilot.press("4")

        await pilot.press("u")  # the question first, no secret prompt before it
        await wait_for(pilot, lambda: isinstance(app.screen, (ProtectedConfirmScreen, SecretPrompt)))
        assert isinstance(app.screen, ProtectedConfirmScreen), type(app.screen).__name__
        assert "protected group prod" in screen_text(app)
        await pilot.press("n")  # no: nothing queued, and no secret asked for
        await wait_for(pilot, lambda: any("not started (protected hosts)" in str(n.message)
                                          for n in app._notifications))
        await wait_for(pilot, lambda: not isinstance(app.screen, ModalScreen))
        await app.workers.wait_for_complete()
        assert not isinstance(app.screen, ModalScreen) and sorted(app.services.jobs) == [job_id]

        await pilot.press("u")  # yes: then the secret is asked; esc on it queues nothing
        await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        assert f"Job {job_id} ran with a su password" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: any("cancelled: nothing queued" in str(n.message) for n in app._notifications))
        assert sorted(app.services.jobs) == [job_id]
