"""The playbook job's matrix: the record built from events (no screen), the widget live
as events arrive through the app's event path, enter on a cell, and snapshots at 80x24
and 160x50 from a recorded event sequence."""

from __future__ import annotations

from typing import Any

from play_events import HOSTS, play_job, recorded_run, running_play
from tuihelpers import ready, screen_text, wait_for

from ftltui.jobs.events import JobOutput
from ftltui.jobs.play_record import PENDING, PlayRecord, cell_text, log_lines


def test_record_from_events_and_from_the_job_log() -> None:
    events = recorded_run()
    live = PlayRecord()
    for e in events:
        live.apply(e)
    on_disk = PlayRecord.from_records([e.to_dict() for e in events])  # the job log's records
    for rec in (live, on_disk):
        play = rec.plays[0]
        assert list(play.tasks) == ["t1", "t2", "t3", "t4", "h1"] and play.hosts == list(HOSTS)
        assert rec.status(play, "t1", HOSTS[2]) == "unreachable"
        assert rec.status(play, "t4", HOSTS[0]) == "failed" and play.cells[("t4", HOSTS[0])].ignored
        assert len(play.cells[("t2", HOSTS[0])].items) == 2
        assert rec.plays[1].no_hosts and rec.exit_code == 4 and rec.recap[HOSTS[1]]["skipped"] == 1
        assert rec.status(play, "t4", HOSTS[1]) == "skipped"


def test_pending_only_for_the_running_task() -> None:
    rec = PlayRecord.from_records([e.to_dict() for e in running_play()])
    play = rec.plays[0]
    assert rec.status(play, "t4", HOSTS[1]) == PENDING  # t4 runs now, web2 not reported
    assert rec.status(play, "t3", HOSTS[2]) == ""  # db1 dropped out (unreachable): blank, not pending


def test_cell_text_is_plain_and_complete() -> None:
    rec = PlayRecord.from_records(recorded_run())
    play = rec.plays[0]
    text = cell_text(play, play.tasks["t3"], HOSTS[0], play.cells[("t3", HOSTS[0])])
    assert "--- before: /etc/app.conf" in text and "-port = 80" in text and "+port = 8080" in text
    items = cell_text(play, play.tasks["t2"], HOSTS[0], play.cells[("t2", HOSTS[0])])
    assert "changed: (item=nginx)" in items and "ok: (item=[bold]curl[/])" in items
    failed = cell_text(play, play.tasks["t4"], HOSTS[0], play.cells[("t4", HOSTS[0])])
    assert "status failed (ignored)" in failed and "stderr:\n  no such table" in failed and "rc: 1" in failed


def test_log_lines_strip_escapes() -> None:
    out = [line for e in recorded_run() for line in log_lines("7", e)]
    assert ("7", "", "note", "TASK [check migrations [x]]") in out
    assert ("7", HOSTS[0], "stderr", "no such table") in out  # ANSI removed
    assert ("7", HOSTS[0], "status", "failed: non-zero return code ...ignoring") in out
    assert ("7", "", "note", "RUNNING HANDLER [restart app]") in out


def test_log_read_back_reads_like_the_live_stream() -> None:
    from ftltui.jobs.logfile import decode_records
    from ftltui.tui.history import history_lines

    live = [line for e in recorded_run() for line in log_lines("7", e)]
    assert [h[:4] for h in history_lines("7", decode_records(e.to_dict() for e in recorded_run()))] == live


async def _feed(pilot: Any, events: list[Any], job_id: int = 7) -> None:
    app = pilot.app
    before = app.events_seen
    for e in events:
        app.services.on_domain_event(JobOutput(job_id, event=e))  # as the queue delivers it
    await wait_for(pilot, lambda: app.events_seen >= before + len(events))


async def test_matrix_is_live_and_enter_opens_a_result(make_app) -> None:
    from ftltui.tui.screens.play_job import HostResultScreen, PlayJobScreen
    from ftltui.tui.widgets.play_matrix import PlayMatrix

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        events = running_play()
        await _feed(pilot, events[:3])
        await app.push_screen(PlayJobScreen(play_job("running"), app.play_records[7]))
        await pilot.pause()
        matrix = app.screen.query_one(PlayMatrix)
        assert matrix.row_count == 1 and len(matrix.columns) == 1 + len(HOSTS)
        await _feed(pilot, events[3:])  # the rest arrives while the screen is open
        assert matrix.row_count == 4
        assert str(matrix.get_cell("t4", HOSTS[1])) == "·" and str(matrix.get_cell("t1", HOSTS[2])) == "⊘"
        skipped = next(e for e in recorded_run() if e.type == "HostTaskResult" and e.status == "skipped")
        await _feed(pilot, [skipped])  # web2 skipped t4: the cell updates
        assert str(matrix.get_cell("t4", HOSTS[1])) == "○"
        logs = app.main.pane("logs")
        assert any(r.text == "no such table" and r.stream == "stderr" for r in logs.ring)
        matrix.move_cursor(row=2, column=1)  # write config x web1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HostResultScreen)
        assert "+port = 8080" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlayJobScreen)
        await _feed(pilot, recorded_run()[len(running_play()) + 1:])  # handler, play 2, recap
        assert "PLAY [db]  2/2" in screen_text(app) and "skipping: no hosts matched" in screen_text(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "PLAY [web and db]  1/2" in screen_text(app) and matrix.row_count == 5


def _matrix_before(cursor: tuple[int, int]) -> Any:
    async def run(pilot: Any) -> None:
        from ftltui.tui.screens.play_job import PlayJobScreen

        await ready(pilot)
        await _feed(pilot, recorded_run())
        app = pilot.app
        await app.push_screen(PlayJobScreen(play_job(), app.play_records[7]))
        await pilot.press("left_square_bracket")
        app.screen.query_one("#play-matrix").move_cursor(row=cursor[0], column=cursor[1])
        await pilot.pause()

    return run


def test_snapshot_matrix_80x24(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_matrix_before((3, 1)), terminal_size=(80, 24))


def test_snapshot_matrix_large(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=_matrix_before((1, 2)), terminal_size=(160, 50))


def test_snapshot_host_result(snap_compare, make_app) -> None:
    async def run(pilot: Any) -> None:
        await _matrix_before((2, 1))(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=(80, 24))
