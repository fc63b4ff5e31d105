"""issue 15: a playbook job waiting at a ``pause`` in the console: the job detail's pause bar
answers a private prompt (a password input; the answer reaches the run but never the
screen or the state directory), continues a timed pause early, and aborts at a prompt (the
task fails, the job ends failed and the play stops there). The prompt is plain text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tuihelpers import ready, screen_text, wait_for

SIZE = (120, 40)
SECRET = "pilot-pause-s3cret"
PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: ask
      pause: {prompt: "Vault code [bold]x[/bold]?", echo: false}
      register: asked
    - copy: {dest: "{{ out }}/answer", content: "{{ asked.user_input }}"}
    - name: wait
      pause: {minutes: 10}
    - copy: {dest: "{{ out }}/after-wait", content: "continued\\n"}
    - name: last
      pause: {prompt: "Abort me"}
    - copy: {dest: "{{ out }}/never", content: "not aborted\\n"}
"""


def _waiting(app: Any) -> Any:
    found = app.services.pauses.waiting(1)
    return found[0] if found else None


async def test_pause_bar_answers_continues_and_aborts(make_app, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.tui.screens.play_job import PlayJobScreen
    from ftltui.tui.widgets.pause_bar import PauseBar

    (tmp_path / "site.yml").write_text(PLAYBOOK)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(tmp_path)  # short names to type: each key is a pilot round trip
    app = make_app(state_dir=tmp_path / "state")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"play site.yml -l localhost -e out=out", "enter")
        await wait_for(pilot, lambda: _waiting(app) is not None)
        assert _waiting(app).private and _waiting(app).task == "ask"
        await wait_for(pilot, lambda: any("waits at pause [ask]: Vault code [bold]x[/bold]? (private)" in str(n.message)
                                          for n in app._notifications))  # wherever the operator is
        await pilot.press("4", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlayJobScreen))
        bar = app.screen.query_one(PauseBar)
        await wait_for(pilot, lambda: bar.has_class("-prompt") and app.focused is app.screen.query_one("#pause-input"))
        assert "Vault code [bold]x[/bold]? (output is hidden)" in screen_text(app)  # plain, never markup
        assert app.screen.query_one("#pause-input").password
        await pilot.press(*SECRET)
        assert SECRET not in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: (_waiting(app) is not None and _waiting(app).task == "wait"))
        await wait_for(pilot, lambda: bar.has_class("-waiting") and not bar.has_class("-prompt"))
        assert "seconds left" in screen_text(app)
        await pilot.press("ctrl+o")  # continue now: ten minutes are not waited
        await wait_for(pilot, lambda: (_waiting(app) is not None and _waiting(app).task == "last"))
        await wait_for(pilot, lambda: bar.has_class("-prompt"))
        await pilot.press("ctrl+b")  # abort: the task fails, the play stops
        await wait_for(pilot, lambda: app.services.jobs[1].state in ("succeeded", "failed", "cancelled", "dead"))
        job = app.services.jobs[1]
        assert job.state == "failed" and not bar.has_class("-waiting")
        # the hidden bar gave the focus back: the screen's keys work without a tab first
        await wait_for(pilot, lambda: app.focused is not None and not bar.has_focus_within)
        assert "user requested abort!" in str((job.summary or {}).get("recap")) or job.summary["exit_code"] == 2
    assert (out / "answer").read_text() == SECRET and (out / "after-wait").read_text() == "continued\n"
    assert not (out / "never").exists()
    leaked = [p for p in (tmp_path / "state").rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []
