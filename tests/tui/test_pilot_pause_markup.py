"""The toast that says a job waits at a pause shows the playbook's task name and prompt as
they are (review hV1 #6): remote text, never Textual markup. Parsed as markup, a task named
``[wait]`` vanished as a style ("waits at pause : ..."), one named ``@click=app.quit`` made the
toast a link to quitting, and a prompt with ``[/x]`` raised a MarkupError as the toast drew.
The real app through the pilot, a real playbook run on localhost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuihelpers import enter_command, ready, wait_for

SIZE = (120, 40)
PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: "[wait]"
      pause: {prompt: "first"}
    - name: "@click=app.quit"
      pause: {prompt: "second"}
    - name: "third"
      pause: {prompt: "closing [/x] before [b]bold"}
"""


def _toasts(app: Any) -> list[str]:
    """The text the toasts on screen draw (title, then message), as plain text."""
    from textual.widgets._toast import Toast

    return [toast.render().plain for toast in app.screen.query(Toast)]


async def test_pause_toasts_show_task_names_and_prompts_literally(make_app, tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    monkeypatch.chdir(tmp_path)
    app = make_app(state_dir=tmp_path / "state")
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts drawn, as a user sees them
        await ready(pilot)
        await enter_command(pilot, "play site.yml -l localhost")
        for task, prompt in (("[wait]", "first"), ("@click=app.quit", "second"),
                             ("third", "closing [/x] before [b]bold")):
            shown = f"waits at pause [{task}]: {prompt} (job 1: open it to answer)"
            await wait_for(pilot, lambda shown=shown: any(t == f"job 1 waits\n{shown}" for t in _toasts(app)))
            await app.services.pauses.answer(1, "")
        await wait_for(pilot, lambda: app.services.jobs[1].state in ("succeeded", "failed", "cancelled", "dead"))
        assert app.services.jobs[1].state == "succeeded"
        assert app.is_running  # nothing raised, nothing quit
