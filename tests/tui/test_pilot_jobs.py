"""Jobs pane: live rows, details, cancel (confirmed), retry, re-run failed, requeue, purge (confirmed)."""

from __future__ import annotations

from tuihelpers import ready, screen_text, wait_for

from ftltui.tui.screens.confirm import ConfirmScreen
from ftltui.tui.screens.job_detail import JobDetailScreen, dag_lines

SIZE = (120, 40)
DONE = ("succeeded", "failed", "dead", "cancelled")


def _state(app, job_id: int) -> str | None:
    job = app.services.jobs.get(job_id)
    return job.state if job else None


async def test_cancel_running_job_after_confirmation(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"run localhost command sleep 30", "enter")
        await wait_for(pilot, lambda: _state(app, 1) == "running")
        await pilot.press("4", "c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert _state(app, 1) == "running"
        await pilot.press("c", "y")
        await wait_for(pilot, lambda: _state(app, 1) == "cancelled")
        table = app.main.pane("jobs").main()
        await wait_for(pilot, lambda: str(table.get_cell("1", "state")) == "cancelled")


async def test_retry_rerun_requeue_purge_and_details(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_command_line("run localhost command false")
        await wait_for(pilot, lambda: _state(app, 1) in DONE)
        assert _state(app, 1) == "failed"
        await pilot.press("4", "enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailScreen)
        assert "failed" in screen_text(app)
        await pilot.press("escape", "r")  # retry: a new job with the same spec
        await wait_for(pilot, lambda: _state(app, 2) in DONE)
        assert app.services.jobs[2].parent == 1
        await pilot.press("e")  # re-run from failure: only failed hosts
        await wait_for(pilot, lambda: _state(app, 3) in DONE)
        assert app.services.jobs[3].hosts == ["localhost"] and app.services.jobs[3].parent == 1
        await pilot.press("u")  # requeue (failed/dead)
        await wait_for(pilot, lambda: _state(app, 4) in DONE)
        table = app.main.pane("jobs").main()
        assert table.row_count == 4
        await pilot.press("g", "p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 3)
        assert 1 not in app.services.jobs


async def test_jobs_and_their_output_persist_across_restarts(make_app, tmp_path) -> None:
    """The job is back after a restart, and `l` reads its output back from the job log."""
    state = tmp_path / "persist"
    app = make_app(state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_command_line("run localhost command echo first-session-output")
        await wait_for(pilot, lambda: _state(app, 1) == "succeeded")
    app2 = make_app(state_dir=state)
    async with app2.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app2.main.pane("jobs").main().row_count == 1)
        assert _state(app2, 1) == "succeeded"
        logs = app2.main.pane("logs")
        assert not logs.has_job("1")  # nothing streamed in this session
        await pilot.press("4", "l")
        await wait_for(pilot, lambda: app2.main.current == "logs" and logs.job == "1")
        text = "\n".join(str(line) for line in logs.main().lines)
        assert "localhost | first-session-output" in text
        assert "from the job log on disk" in text and "job 1: succeeded" in text


def test_dag_lines_order_and_indent() -> None:
    steps = {"deploy": {"state": "queued", "needs": ["build", "test"]}, "build": {"state": "succeeded"},
             "test": {"state": "running", "needs": ["build"]}}
    lines = [text for text, _ in dag_lines(steps)]
    assert lines[0].startswith("✔ build") and lines[1].startswith("    ◐ test")
    assert lines[2].startswith("        · deploy") and "← build, test" in lines[2]


async def test_play_workflow_shows_dag_and_step_states(make_app, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # short names to type: each key of a long tmp path is a pilot round trip
    wf = tmp_path / "wf.yml"
    wf.write_text(
        "name: tiny\nhosts: localhost\nsteps:\n"
        "  - name: first\n    module: command\n    args: echo one\n"
        "  - name: second\n    depends_on: [first]\n    module: command\n    args: echo two\n",
        encoding="utf-8")
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\nhosts: localhost\nsteps:\n  - name: x\n    module: nosuch\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"play bad.yml", "enter")
        await wait_for(pilot, lambda: any("bad.yml:" in n.message for n in app._notifications))
        assert not app.services.jobs  # a bad file never becomes a job
        await pilot.press("colon", *"play wf.yml", "enter")
        await wait_for(pilot, lambda: _state(app, 1) in DONE)
        assert _state(app, 1) == "succeeded"
        lines = list(app.main.pane("logs").main().lines)
        assert "localhost | [second] two" in lines
        await pilot.press("4", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "✔ first" in text and "✔ second" in text and "← first" in text


async def test_queue_storage_error_is_shown(make_app) -> None:
    """A queue that cannot write its state (full disk) tells the operator, once, loudly."""
    from ftltui.jobs.events import QueueError

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.services.queue.bus.emit(QueueError(0, message="state: No space left on device", retrying=True))
        await wait_for(pilot, lambda: any("No space left" in str(n.message) for n in app._notifications))
        note = next(n for n in app._notifications if "No space left" in str(n.message))
        assert note.severity == "error" and "cannot write its state" in note.title
