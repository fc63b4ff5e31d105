"""The bar a playbook job's detail shows while the job waits at a ``pause`` (issue 15).

A prompt: its text (plain: remote text is never markup), an input (a password input for
``echo: no``: the answer is never on the screen), enter answers. A timed pause: the seconds
left, counted down. Both: ``ctrl+o`` continues now (a prompt: with an empty answer),
``ctrl+b`` aborts (the task fails on the host, as ctrl+C then A in ansible-playbook). The
bindings are the bar's: they work while the focus is in it, and the bar takes the focus
when a pause begins. The operations are the console core's (``session.pauses``), so an
attached console's bar ends the owner's pause the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static

from ftltui.console.updates import PauseWaiting
from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError


def pause_text(waiting: PauseWaiting, now: float) -> Text:
    """What the bar says: the task, the prompt or the time left (plain text)."""
    t = Text()
    t.append(f"job {waiting.job_id} waits at pause ", style="bold")
    t.append(f"[{safe_text(waiting.task, 200)}]", style="bold")
    t.append(f" on {safe_text(waiting.host, 200)}")
    if waiting.held:
        t.append("\nheld: waits until continued or aborted")
    elif waiting.timed:
        t.append(f"\n{waiting.seconds_left(now)} seconds left")
        if waiting.custom_prompt:
            t.append(" · " + safe_text(waiting.prompt, 500))
    else:
        t.append("\n" + safe_text(waiting.prompt, 500) + (" (output is hidden)" if waiting.private else ""))
    return t


class PauseBar(Vertical, can_focus=True):
    """Hidden until :meth:`show` gets a waiting pause of its job."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    BINDINGS = [
        Binding("ctrl+o", "continue_now", "Continue now", id="pause.continue"),
        Binding("ctrl+b", "abort", "Abort", id="pause.abort"),
    ]

    def __init__(self, pauses: Any, job_id: int, *, clock: Callable[[], float] = time.time, **kw: Any) -> None:
        super().__init__(**kw)
        self.pauses = pauses  # the session's PauseDesk (an attached session's sends owner ops)
        self.job_id = job_id
        self.clock = clock
        self.waiting: PauseWaiting | None = None
        self._focus_before: Widget | None = None  # what had the focus before a pause took it

    def compose(self) -> ComposeResult:
        yield Static(id="pause-text")
        yield Input(id="pause-input", placeholder="the answer; enter sends it")
        yield Static(Text("enter answer · ctrl+o continue now · ctrl+b abort"), id="pause-keys")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def show(self) -> None:
        """Follow the desk: show the job's pause, or hide when there is none."""
        found = self.pauses.waiting(self.job_id) if self.pauses is not None else []
        waiting = found[0] if found else None
        if waiting == self.waiting:
            return
        if waiting is None:
            self._give_focus_back()
        elif self.waiting is None:
            focused = self.app.focused
            self._focus_before = None if focused is None or self in focused.ancestors_with_self else focused
        self.waiting = waiting
        self.set_class(waiting is not None, "-waiting")
        self.set_class(waiting is not None and not waiting.timed, "-prompt")
        box = self.query_one("#pause-input", Input)
        box.value = ""
        if waiting is None:
            return
        box.password = waiting.private
        self._tick()
        self.query_one("#pause-keys", Static).update(Text(
            "ctrl+o continue now · ctrl+b abort" if waiting.timed else
            "enter answer · ctrl+o continue (empty answer) · ctrl+b abort"))
        self.call_after_refresh((self if waiting.timed else box).focus)  # once it is displayed

    def _give_focus_back(self) -> None:
        """The pause ended: a hidden bar must not keep the focus, or the screen's keys (the
        matrix's arrows and enter) do nothing until the operator presses tab."""
        before, self._focus_before = self._focus_before, None
        if not self.has_focus_within:
            return
        if before is not None and before.is_attached and before.focusable:
            before.focus()
        else:
            self.screen.set_focus(None)
            self.call_after_refresh(self.screen.focus_next)  # once the bar is hidden (out of the chain)

    def _tick(self) -> None:
        if self.waiting is not None:
            self.query_one("#pause-text", Static).update(pause_text(self.waiting, self.clock()))

    @on(Input.Submitted, "#pause-input")
    def _answer(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        event.input.value = ""  # a private answer leaves the screen at once
        self._send("answer", text)

    def action_continue_now(self) -> None:
        self._send("continue_early")

    def action_abort(self) -> None:
        self._send("abort")

    @work(group="pause", exclusive=True)
    async def _send(self, op: str, *args: str) -> None:
        if self.waiting is None or self.pauses is None:
            return
        try:
            await getattr(self.pauses, op)(self.job_id, *args)
        except FtlError as exc:  # it ended meanwhile (its time, the job cancelled, another face)
            self.notify(safe_text(str(exc)), severity="warning")
