"""The play form's become password (-K) and the ``vars_prompt`` modal (issue 15): every
prompt is asked before the job is queued (private ones masked, a default used when the
field is left empty, ``confirm`` refusing a mismatch), the answers and the password reach
the run, and neither is in the state store, the job's log or a notification."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tuihelpers import ready, wait_for

SIZE = (120, 40)
DONE = ("succeeded", "failed", "dead", "cancelled")
SECRET = "s3cr3t-word-Q7x"
BECOME = "bpw-Zx81-never-stored"

PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: secret_word
      prompt: Secret word
      confirm: true
    - name: colour
      prompt: Colour
      private: false
      default: blue
  tasks:
    - name: what the run saw
      copy:
        content: "{{ secret_word | hash('sha256') }} {{ colour }} {{ ansible_become_password | hash('sha256') }}\\n"
        dest: "{{ out }}"
"""


def _state(app: Any, job_id: int) -> str:
    job = app.services.jobs.get(job_id)
    return job.state if job else ""


async def test_play_form_asks_prompts_and_become_password(make_app, tmp_path: Path) -> None:
    from textual.widgets import Input

    from ftltui.tui.screens.play_form import PlayFormScreen
    from ftltui.tui.screens.prompt_vars import VarsPromptScreen

    book, out, state = tmp_path / "site.yml", tmp_path / "out.txt", tmp_path / "state"
    book.write_text(PLAYBOOK)
    app = make_app(state_dir=state)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"play", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlayFormScreen))
        app.screen.query_one("#play-path", Input).value = str(book)
        app.screen.query_one("#play-limit", Input).value = "localhost"
        app.screen.query_one("#play-extra", Input).value = f"out={out}"
        app.screen.query_one("#play-become-pass", Input).focus()
        await pilot.press(*BECOME, "ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, VarsPromptScreen))
        first = app.screen.query_one("#prompt-0", Input)
        assert first.password and not app.screen.query_one("#prompt-1", Input).password
        await pilot.press(*SECRET, "enter", *"mismatch", "enter", "enter")  # confirm differs: refused
        await pilot.pause()
        assert isinstance(app.screen, VarsPromptScreen) and not app.services.jobs
        app.screen.query_one("#prompt-0-confirm", Input).value = ""
        app.screen.query_one("#prompt-0-confirm", Input).focus()
        await pilot.press(*SECRET, "enter", "enter")  # colour left empty: its default
        await wait_for(pilot, lambda: _state(app, 1) in DONE)
        job = app.services.jobs[1]
        assert job.state == "succeeded", job.reason
        notes = " ".join(str(n.message) for n in app._notifications)
    sha = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    assert out.read_text() == f"{sha(SECRET)} blue {sha(BECOME)}\n"
    stored = "".join(p.read_text(errors="replace") for p in state.rglob("*") if p.is_file())
    assert stored and SECRET not in stored and BECOME not in stored and SECRET not in notes
    assert "blue" in stored  # a non-private answer is kept with the job, as -e would be


async def test_cancelled_prompts_queue_nothing(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.tui.screens.prompt_vars import VarsPromptScreen

    (tmp_path / "site.yml").write_text(PLAYBOOK)
    monkeypatch.chdir(tmp_path)  # short names to type: each key of a long tmp path is a pilot round trip
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"play site.yml -e out=x", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, VarsPromptScreen))
        await pilot.press("escape")
        await pilot.pause()
        assert not app.services.jobs and not isinstance(app.screen, VarsPromptScreen)
