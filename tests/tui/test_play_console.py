"""``:play`` in the console: validation errors with file:line (the app stays up, no job),
option errors, a real playbook run as a job on localhost with its live matrix, re-run
from failure, and the play form (pilot + a snapshot at 80x24)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tuihelpers import enter_command, ready, screen_text, wait_for

from ftltui.tui.commands import CommandError
from ftltui.tui.screens.play_form import parse_play_args

SIZE = (120, 40)
DONE = ("succeeded", "failed", "dead", "cancelled")


def _state(app: Any, job_id: int) -> str:
    job = app.services.jobs.get(job_id)
    return job.state if job else ""


def _errors(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def test_parse_play_args() -> None:
    req = parse_play_args(["site.yml", "-l", "web", "-t", "a,b", "-t", "c", "-C", "-D", "-e", "x=1 y='two words'",
                           "-e", '{"z": [1]}', "-b", "--become-user", "app"])
    assert req.path == "site.yml"
    assert req.options == {"limit": "web", "tags": ["a", "b", "c"], "check": True, "diff": True,
                           "extra_vars": {"x": "1", "y": "two words", "z": [1]}, "become": True,
                           "become_user": "app"}
    with pytest.raises(CommandError, match="unrecognized arguments: --nope"):
        parse_play_args(["site.yml", "--nope"])
    with pytest.raises(CommandError, match="expected NAME=VALUE"):
        parse_play_args(["site.yml", "-e", "=x"])


# Each body is a different loader error (YAML syntax, an unknown play keyword, two actions in
# one task); one app takes all three (a fresh app each cost a start-up), and the files are
# typed relative to the test's directory: every key of a long tmp path is a pilot round trip.
BAD = {"syntax.yml": ("- hosts: localhost\n  tasks:\n    - name: x\n      debug: {msg: [\n", 5),
       "keyword.yml": ("- hosts: localhost\n  taskz:\n    - debug: msg=hi\n", 2),
       "actions.yml": ("- hosts: localhost\n  tasks:\n    - name: two actions\n      copy: src=a dest=b\n"
                       "      file: path=b\n", 3)}


async def test_bad_playbook_shows_file_and_line_and_never_becomes_a_job(make_app, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, (body, _line) in BAD.items():
        (tmp_path / name).write_text(body)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for name, (_body, line) in BAD.items():
            await enter_command(pilot, f"play {name} -l localhost")
            await wait_for(pilot, lambda where=f"{name}:{line}:": any(where in m for m in _errors(app)))
            assert not app.services.jobs and app.is_running
        await enter_command(pilot, "play missing.yml")
        await wait_for(pilot, lambda: any("missing.yml: no such file" in m for m in _errors(app)))
        await enter_command(pilot, "play syntax.yml --frobnicate")
        await wait_for(pilot, lambda: any("unrecognized arguments: --frobnicate" in m for m in _errors(app)))
        assert not app.services.jobs and app.is_running


PLAYBOOK = """\
- name: local things
  hosts: localhost
  gather_facts: false
  tasks:
    - name: say hello
      command: echo hello from the play
    - name: write a file
      copy:
        content: "{{ greeting }}\\n"
        dest: "{{ out }}"
    - name: loop
      debug:
        msg: "item {{ item }}"
      loop: [a, b]
"""


async def test_play_runs_a_playbook_job_with_a_live_matrix(make_app, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.tui.screens.play_job import HostResultScreen, PlayJobScreen

    book, out = tmp_path / "site.yml", tmp_path / "out.txt"
    book.write_text(PLAYBOOK)
    monkeypatch.chdir(tmp_path)  # short names to type: each key is a pilot round trip
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await enter_command(pilot, "play site.yml -l localhost -e greeting=hi -e out=out.txt")
        await wait_for(pilot, lambda: _state(app, 1) in DONE)
        assert _state(app, 1) == "succeeded", app.services.jobs[1].reason
        assert out.read_text() == "hi\n"
        job = app.services.jobs[1]
        assert job.kind == "playbook" and job.spec["options"]["limit"] == "localhost"
        logs = app.main.pane("logs")
        assert any(r.text == "TASK [say hello]" for r in logs.ring)
        await pilot.press("4", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlayJobScreen))
        text = screen_text(app)
        assert "PLAY [local things]  1/1" in text and "say hello" in text and "loop" in text
        assert f"content {job.spec['content'][:12]} (live)" in text
        matrix = app.screen.query_one("#play-matrix")
        matrix.move_cursor(row=0, column=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HostResultScreen))
        assert "hello from the play" in screen_text(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("e")  # re-run from failure: every host finished, so nothing runs again
        await wait_for(pilot, lambda: any("nothing to re-run" in str(n.message) for n in app._notifications))
        assert list(app.services.jobs) == [1]


async def test_play_job_of_an_earlier_session_reads_its_log(make_app, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.tui.screens.play_job import PlayJobScreen

    (tmp_path / "site.yml").write_text(PLAYBOOK)
    monkeypatch.chdir(tmp_path)  # short names to type: each key is a pilot round trip
    state = tmp_path / "state"
    app = make_app(state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await enter_command(pilot, "play site.yml -l localhost -e greeting=hi -e out=out.txt")
        await wait_for(pilot, lambda: _state(app, 1) in DONE)
    app = make_app(state_dir=state)  # a new session: the matrix comes from the job's log on disk
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlayJobScreen))
        assert app.screen.query_one("#play-matrix").row_count == 3
        assert "localhost : ok=3 changed=2" in screen_text(app)
        await pilot.press("escape", "l")  # its output in Logs, read back from the job log
        await wait_for(pilot, lambda: any(r.text == "TASK [say hello]" for r in app.main.pane("logs").ring))


async def test_play_form_submits_a_job(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book, out = tmp_path / "site.yml", tmp_path / "out.txt"
    book.write_text(PLAYBOOK)
    monkeypatch.chdir(tmp_path)  # short names to type: each key is a pilot round trip
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.history.add(f"play {book}")  # a recent playbook: offered first
        await enter_command(pilot, "play")
        await pilot.pause()
        assert app.screen.files[0] == str(book.resolve())
        await pilot.press("enter")  # pick it from the list; focus moves to the limit
        await pilot.press(*"localhost", "tab", "tab", *"greeting=form out=out.txt", "ctrl+r")
        await wait_for(pilot, lambda: _state(app, 1) in DONE)
        assert _state(app, 1) == "succeeded" and out.read_text() == "form\n"


def test_snapshot_play_form(snap_compare, make_app) -> None:
    from ftltui.tui.screens.play_form import PlayFormScreen

    async def run(pilot: Any) -> None:
        await ready(pilot)
        await pilot.app.push_screen(PlayFormScreen(["/srv/infra/site.yml", "/srv/infra/deploy.yml"]))
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=(80, 24))
