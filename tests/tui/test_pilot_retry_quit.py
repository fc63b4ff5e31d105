"""Quitting the console with a job running and one queued: the dialog says the running
one is cancelled and the queued one stays queued, to run when ftl-tui next opens the state
directory (durable jobs; hR finding 5: nothing starts while quitting). ``y`` quits and
leaves it queued (0 attempts, not ``failed: internal: AttributeError``); ``c`` quits and
cancels it too. Real app through the pilot, real state dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuihelpers import ready, screen_text, wait_for

from ftltui.state import StateStore


async def _quit_with_one_queued(make_app: Any, state: Path, key: str) -> str:
    """Press q with job 1 running and job 2 queued, then ``key``; the dialog's text."""
    app = make_app(state_dir=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_quit_dialog(app, pilot)
        assert "Quit" in screen_text(app)
        text = app.screen.question  # the whole question (the screen wraps it)
        await pilot.press(key)
        await wait_for(pilot, lambda: not app.is_running)
    return text


def _job(state: Path, job_id: int) -> dict[str, Any]:
    store = StateStore.open(state, True)
    try:
        doc = store.table("jobs").get(job_id)
        assert doc is not None
        return dict(doc)
    finally:
        store.close()


async def test_quit_cancels_the_running_job_and_keeps_the_queued_one(make_app: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    text = await _quit_with_one_queued(make_app, state, "y")
    assert "1 job(s) still running: quitting cancels them" in text, text
    assert "1 queued: they stay queued and run when ftl-tui next opens" in text, text
    assert "c: quit and cancel them too" in text, text
    first, second = _job(state, 1), _job(state, 2)
    assert first["state"] == "cancelled", first
    assert (second["state"], second["attempts"]) == ("queued", 0), second


async def test_quit_with_c_cancels_the_queued_job_too(make_app: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    await _quit_with_one_queued(make_app, state, "c")
    second = _job(state, 2)
    assert (second["state"], second["attempts"]) == ("cancelled", 0), second


async def _open_quit_dialog(app: Any, pilot: Any) -> None:
    """Job 1 running, job 2 queued, the quit question open."""
    from ftltui.tui.app import QuitScreen

    await ready(pilot)
    assert app.services.queue is not None
    app.services.queue.concurrency = 1  # one job at a time: the second one waits
    app.run_command_line("run localhost shell sleep 30")
    await wait_for(pilot, lambda: getattr(app.services.jobs.get(1), "state", "") == "running")
    app.run_command_line("run localhost shell echo second")
    await wait_for(pilot, lambda: getattr(app.services.jobs.get(2), "state", "") == "queued")
    await pilot.press("q")
    await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))


async def test_quit_with_c_cancels_a_job_queued_while_the_question_was_open(make_app: Any, tmp_path: Path) -> None:
    """The ids are taken when the question is answered, not when it opened (hV3 #4)."""
    state = tmp_path / "state"
    app = make_app(state_dir=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_quit_dialog(app, pilot)
        app.run_command_line("run localhost shell echo third")  # a job queued behind the question
        await wait_for(pilot, lambda: getattr(app.services.jobs.get(3), "state", "") == "queued")
        await pilot.press("c")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0
    for job_id in (2, 3):
        job = _job(state, job_id)
        assert (job["state"], job["attempts"]) == ("cancelled", 0), job


async def test_quit_with_c_says_which_queued_job_it_could_not_cancel_and_exits_cleanly(
        make_app: Any, tmp_path: Path) -> None:
    """A cancel refused (here: the inventory made the session read-only while the question
    was open) is shown and the app still exits with 0; before, the worker's exception ended
    the app with a traceback (hV3 #4)."""
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    state = tmp_path / "state"
    app = make_app([str(inv)], state_dir=state)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await _open_quit_dialog(app, pilot)
        inv.write_text("all:\n  vars:\n    ftl_tui_readonly: true\n"
                       "  hosts:\n    localhost:\n      ansible_connection: local\n")
        app.run_command_line("reload")
        await wait_for(pilot, lambda: app.services.guard.policy(app.services.inventory).readonly)
        await pilot.press("c")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0
    said = [n.message for n in app._notifications]
    assert any(m.startswith("job 2: not cancelled, it stays queued:") and "read-only" in m for m in said), said
    job = _job(state, 2)
    assert job["state"] == "queued", job
