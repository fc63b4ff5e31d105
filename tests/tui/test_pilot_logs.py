"""Logs pane: follow/pause with the new-lines badge, search n/N, filters, wrap, times, copy, save, ring."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from tuihelpers import ready, wait_for

SIZE = (120, 40)


def _feed(app, n: int, start: int = 0, job: str = "1") -> None:
    for i in range(start, start + n):
        host = ("web1", "web2", "db1")[i % 3]
        app._pending.append((job, host, "stdout", f"line {i} ERROR" if i % 10 == 0 else f"line {i}"))


@asynccontextmanager
async def _on_logs(app) -> AsyncIterator[tuple[Any, Any]]:
    """The app started, settled and showing the Logs pane: (pilot, logs pane)."""
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        yield pilot, app.main.pane("logs")


async def test_follow_pause_badge_and_resume(make_app) -> None:
    app = make_app()
    async with _on_logs(app) as (pilot, pane):
        view = pane.main()
        _feed(app, 100)
        await wait_for(pilot, lambda: view.line_count == 100)
        assert view.following and view.scroll_y == view.max_scroll_y
        await pilot.press("k", "k", "k")
        assert not view.following
        top = view.scroll_y
        _feed(app, 50, start=100)
        await wait_for(pilot, lambda: view.line_count == 150)
        assert view.scroll_y == top  # paused: the view did not move
        assert pane.new_lines == 50
        assert "50 new lines" in str(app.main.query_one("#logs-status").render())
        await pilot.press("f")
        await pilot.pause()
        assert view.following and pane.new_lines == 0 and view.scroll_y == view.max_scroll_y
        await pilot.press("k", "G")
        assert view.following


async def test_search_highlights_and_moves_with_n(make_app) -> None:
    app = make_app()
    async with _on_logs(app) as (pilot, pane):
        _feed(app, 100)
        await wait_for(pilot, lambda: pane.main().line_count == 100)
        await pilot.press("s", *"ERROR", "enter")
        assert pane.matches == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
        assert pane.match_i == 0
        await pilot.press("n", "n")
        assert pane.match_i == 2
        await pilot.press("N")
        assert pane.match_i == 1
        assert pane.main().highlighter.search.pattern == "ERROR"
        await pilot.press("s", "escape")
        assert pane.search_rx is None and pane.matches == []


async def test_host_job_filters_wrap_timestamps(make_app) -> None:
    app = make_app()
    async with _on_logs(app) as (pilot, pane):
        view = pane.main()
        _feed(app, 30)
        app._pending.append(("2", "web1", "stdout", "x" * 300))
        await wait_for(pilot, lambda: view.line_count == 31)
        await pilot.press("H")  # first host: web1
        assert pane.host == "web1" and all(ln.startswith("web1 ") for ln in view.lines)
        await pilot.press("J")  # first job: 1
        assert pane.job == "1" and not any("xxx" in ln for ln in view.lines)
        await pilot.press("x")
        assert pane.host is None and view.line_count == 31
        await pilot.press("w")
        assert view.line_count > 31 and max(len(ln) for ln in view.lines) < 120
        await pilot.press("w", "t")
        assert view.lines[0].startswith("22:13:20 ")  # the fixed clock, in UTC
        await pilot.press("slash", *"!web", "enter")
        assert all("db1" in ln for ln in view.lines)


async def test_copy_and_save(make_app, tmp_path: Path) -> None:
    app = make_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # the OSC 52 write itself needs a real terminal
    async with _on_logs(app) as (pilot, pane):
        _feed(app, 20)
        await wait_for(pilot, lambda: pane.main().line_count == 20)
        await pilot.press("y")
        assert copied and copied[-1].count("\n") == 19
        await pilot.press("s", *"line 13", "enter", "y")
        assert copied[-1] == "web2 | line 13"
        await pilot.press("ctrl+s")
        saved = app.state_dir / "console-log-1.txt"
        await wait_for(pilot, saved.exists)
        assert saved.read_text().splitlines()[3] == "web1 | line 3"
        app.run_command_line(f"logs save {tmp_path / 'out.log'}")
        assert (tmp_path / "out.log").read_text().count("\n") == 20


async def test_ring_bounds_memory_and_says_what_it_dropped(make_app) -> None:
    app = make_app(log_capacity=200)
    async with _on_logs(app) as (pilot, pane):
        _feed(app, 500)
        await wait_for(pilot, lambda: app.events_seen >= 500)
        assert len(pane.ring) == 200 and pane.main().line_count == 200
        assert pane.main().lines[0] == "web1 | line 300 ERROR"  # 300 % 3 == 0 -> web1
        assert "300 older lines dropped" in str(app.main.query_one("#logs-status").render())


async def test_remote_escapes_never_reach_the_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_command_line("run localhost shell printf 'a\\033]52;c;ZXZpbA==\\007b\\033[2Jc\\n'")
        await wait_for(pilot, lambda: app.services.jobs and all(j.state == "succeeded"
                                                                for j in app.services.jobs.values()))
        lines = [ln for ln in app.main.pane("logs").main().lines if ln.startswith("localhost |")]
        assert lines == ["localhost | abc"]
