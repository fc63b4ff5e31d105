"""The console's site-workers view (issue 17) over a real broker and a real worker: the
worker's row appears (site, host, pid, heartbeat age); a broker that does not answer is a
note naming it, never its password; hostnames are shown as text, not markup."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.app import App

from ftltui.console.workers import WorkerRow, WorkersDesk, WorkersSnapshot
from ftltui.sites.broker import Broker
from ftltui.sites.registry import WorkerInfo
from ftltui.tui.screens.workers import WorkersScreen
from ftltui.tui.widgets.workers_view import WorkersTable

from sitebed import PASSWORD


class _Host(App[None]):
    def __init__(self, desk: WorkersDesk, refresh: float | None = 0.2) -> None:
        super().__init__()
        self.desk, self.every = desk, refresh

    def on_mount(self) -> None:
        self.push_screen(WorkersScreen(self.desk, refresh_every=self.every))


def _cells(app: App[None]) -> list[list[str]]:
    table = app.screen.query_one(WorkersTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _note(app: App[None]) -> str:
    return str(app.screen.query_one("#workers-note").render())


async def _until(pilot: Any, predicate: Any, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        await pilot.pause()
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_view_lists_a_live_worker_and_names_a_silent_broker(redis_server: Any, east: Any,
                                                                   tmp_path: Path) -> None:
    proc = east
    app = _Host(WorkersDesk(broker=Broker(redis_server.url, "test")))
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(pilot, lambda: any(r[0] == "east" and r[2] == str(proc.pid) for r in _cells(app)))
        row = next(r for r in _cells(app) if r[2] == str(proc.pid))
        assert row[3].endswith("s ago")
        assert "redis+socket://:***@" in _note(app) and PASSWORD not in _note(app)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, WorkersScreen)

    gone = Broker(f"redis+socket://:{PASSWORD}@{tmp_path / 'no.sock'}", "test")
    app = _Host(WorkersDesk(broker=gone), refresh=None)
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(pilot, lambda: "did not answer" in _note(app))
        assert PASSWORD not in _note(app) and _cells(app) == []


async def test_rows_are_text_not_markup() -> None:
    odd = WorkerInfo("[b]site", "[red]host[/red]", 7, 1.0, ("j:1:[b]site",))
    desk = WorkersDesk(broker=Broker(f"redis+socket://:{PASSWORD}@/x.sock", "test"), list_workers=lambda b: [odd])
    snap = desk.snapshot()
    assert snap.rows == (WorkerRow("[b]site", "[red]host[/red]", "7", "1s ago", "j:1:[b]site"),)
    app = _Host(desk, refresh=None)
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(pilot, lambda: bool(_cells(app)))
        assert _cells(app)[0][:2] == ["[b]site", "[red]host[/red]"]
    assert isinstance(snap, WorkersSnapshot)
