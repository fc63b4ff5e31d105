"""Starting a run shows that run, following (issue 12, defect 14).

After ``l`` on an old job the Logs pane was filtered to that job and a new ``:run``
stayed hidden behind it; after a search, a run started from the run form left the
pane PAUSED. The real app and engine on localhost, driven by keys.
"""

from __future__ import annotations

from tuihelpers import ready, wait_for

from ftltui.tui.screens.run_form import RunFormScreen

SIZE = (120, 40)


def _finished(app, n: int) -> bool:
    jobs = app.services.jobs
    return len(jobs) >= n and all(j.terminal for j in jobs.values())


async def test_new_run_replaces_an_old_job_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        logs = app.main.pane("logs")
        await pilot.press("colon", *"run localhost shell echo first-run", "enter")
        await wait_for(pilot, lambda: _finished(app, 1))
        await pilot.press("4", "l")  # job 1's output, alone
        await wait_for(pilot, lambda: logs.job == "1" and app.main.current == "logs")
        await pilot.press("H")  # and a host filter on localhost
        assert logs.host == "localhost"
        await pilot.press("colon", *"run localhost shell echo second-run", "enter")
        await wait_for(pilot, lambda: _finished(app, 2))
        view = logs.main()
        assert app.main.current == "logs" and logs.job == "2" and logs.host == "localhost"
        assert "localhost | second-run" in view.lines and "localhost | first-run" not in view.lines
        assert view.following


async def test_run_from_the_form_after_a_search_follows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        logs = app.main.pane("logs")
        view = logs.main()
        for i in range(200):  # earlier output, more than a screen
            app._pending.append(("0", "localhost", "stdout", f"old line {i}"))
        await pilot.press("2")
        await wait_for(pilot, lambda: view.line_count == 200)
        await pilot.press("s", *"old line 7", "enter")  # jumps to a match: the view pauses
        assert not view.following and "PAUSED" in str(app.main.query_one("#logs-status").render())
        await pilot.press("1", "j", "j", "r")  # the run form on localhost
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        await pilot.press(*"shell", "enter")
        await pilot.pause()
        await pilot.press(*"echo from-the-form", "enter")
        await wait_for(pilot, lambda: _finished(app, 1))
        assert app.main.current == "logs" and view.following
        assert "FOLLOW" in str(app.main.query_one("#logs-status").render())
        assert view.scroll_y == view.max_scroll_y and "localhost | from-the-form" in view.lines
