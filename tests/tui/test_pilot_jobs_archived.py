"""Issue 16: jobs the queue archives while the console runs leave the jobs pane.

A console left open for weeks (or a daemon's attached console) must not keep a row per
job ever run: the session forgets archived jobs and the pane removes their rows."""

from __future__ import annotations

from tuihelpers import ready, wait_for

SIZE = (120, 40)


async def test_archived_jobs_leave_the_jobs_pane(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app.services.queue is not None)
        queue = app.services.queue
        queue.retain_finished, queue.archive_every = 1, 0.0  # 20,000 and 60 s in a daemon
        table = app.main.pane("jobs").main()
        for n in (1, 2, 3):
            app.run_command_line("run localhost command true")
            # the newest finished job is never archived (retain_finished >= 1): wait for it
            await wait_for(pilot, lambda n=n: (job := app.services.jobs.get(n)) is not None and job.terminal)
        await wait_for(pilot, lambda: [r.value for r in table.rows] == ["3"])
        assert set(app.services.jobs) == {3}
