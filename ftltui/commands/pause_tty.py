"""``ftl-tui play`` answering a playbook's ``pause`` on its terminal, as ansible-playbook does
(issue 15; ``ansible.plugins.action.pause`` and ``Display.prompt_until`` are the oracle).

The run (in this process's session, or an owner's job this command follows) reports
``PauseStarted``; the command's output printed ``Pausing for N seconds`` (and the hint line
when the task has a prompt). This face then, on a terminal:

- a timed pause: shows the task's prompt (or the ctrl+C hint) and reads keys with the
  terminal's signals off: ctrl+C then ``C`` continues early, ctrl+C then ``A`` aborts (the
  task fails, "user requested abort!"); once ctrl+C is pressed the pause no longer ends by
  itself (``hold``), as Ansible's second prompt has no timeout;
- a prompt: ``[task]`` and the prompt, then a line (no echo for ``echo: no``); ctrl+C
  then ``C`` continues with an empty answer, ``A`` aborts.

Not a terminal (stdin not a tty, or a background process group): a prompt is not waited
for (``[WARNING]: Not waiting for response to prompt as stdin is not interactive``, an
empty answer) and a timed pause runs its time, as ansible-playbook.

Keys are read in a thread (the loop keeps running the play); its choice goes back to the
loop as one of the console core's pause operations (``ops``).
"""

from __future__ import annotations

import asyncio
import os
import select
import sys
import termios
import threading
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

from ftltui.engine.sanitize import safe_text
from ftltui.playbook.events import PauseEnded, PauseStarted
from ftltui.playbook.pauses import CONTINUE_OR_ABORT, HIDDEN, HINT, NOT_INTERACTIVE

CTRL_C = b"\x03"
CLEAR_LINE = b"\r\x1b[K"


class PauseOps:
    """The operations a face ends a pause with (the session's desk, or an owner's ops)."""

    def __init__(self, answer: Callable[[int, str], Awaitable[None]], continue_early: Callable[[int], Awaitable[None]],
                 abort: Callable[[int], Awaitable[None]], hold: Callable[[int], Awaitable[None]]) -> None:
        self.answer, self.continue_early, self.abort, self.hold = answer, continue_early, abort, hold

    @classmethod
    def of(cls, desk: Any) -> PauseOps:
        return cls(desk.answer, desk.continue_early, desk.abort, desk.hold)


def interactive(stdin: Any = None) -> bool:
    """Whether a pause can be answered here: Ansible's test (a tty, and the foreground group)."""
    stdin = stdin or sys.stdin
    try:
        fd = stdin.fileno()
        return os.isatty(fd) and os.getpgrp() == os.tcgetpgrp(fd)
    except (OSError, ValueError, AttributeError):
        return False


class PauseTerminal:
    """Follows one job's pause events (:meth:`__call__`, on the loop) and answers them."""

    def __init__(self, ops: PauseOps, job_id: Callable[[], int], *, tty: bool | None = None,
                 stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        self.ops = ops
        self.job_id = job_id
        self.tty = interactive() if tty is None else tty
        self.stdin = stdin or sys.stdin.buffer
        self.stdout = stdout or sys.stdout.buffer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False

    def __call__(self, event: object) -> None:
        if isinstance(event, PauseEnded):
            self._stop.set()
        elif isinstance(event, PauseStarted):
            loop = asyncio.get_running_loop()
            job = self.job_id()
            if not self.tty:
                if not event.timed:  # as ansible-playbook: not waited for, an empty answer (one warning)
                    if not self._warned:
                        sys.stdout.flush()
                        sys.stderr.write(f"[WARNING]: {NOT_INTERACTIVE}\n")
                    self._warned = True
                    loop.create_task(self._quietly(self.ops.answer(job, "")))
                return  # a timed pause runs its time
            # the last pause's keys are read no more: its thread is told to stop, and the new
            # one waits for it (its terminal settings restored) before it reads the settings
            # it will restore itself; never a join here, on the loop that drives the run
            self._stop.set()
            prev = self._thread
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._keys, args=(loop, job, event, self._stop, prev),
                                            name="pause-tty", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop reading keys and give the terminal its settings back (the run ended: the
        one join, once the loop's work is done)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    @staticmethod
    async def _quietly(op: Awaitable[None]) -> None:
        try:
            await op
        except Exception:  # noqa: BLE001 - the pause ended already (timed out, cancelled)
            pass

    # -- the thread -------------------------------------------------------------------
    def _keys(self, loop: asyncio.AbstractEventLoop, job: int, ev: PauseStarted, stop: threading.Event,
              prev: threading.Thread | None = None) -> None:
        if prev is not None:
            prev.join()  # the last pause's reader gave the terminal its settings back (within a tick)
        if stop.is_set():
            return  # this pause ended while the last one's reader was stopping
        def send(op: Awaitable[None]) -> None:
            asyncio.run_coroutine_threadsafe(self._quietly(op), loop)

        hidden = HIDDEN if ev.private else ""
        if ev.timed and not ev.hint:
            self._write(HINT + "\r\n")
        else:  # the task's prompt (or Ansible's default words), under its task's name
            self._write(f"[{safe_text(ev.task)}]\n{safe_text(ev.prompt)}{hidden}:\n")
        echo = not ev.timed and not ev.private
        got = self._read(stop, echo=echo, finish=None if ev.timed else (b"\r", b"\n"))
        if got is None:
            return  # the pause ended elsewhere (its time, the job cancelled, another face)
        if got != CTRL_C:
            send(self.ops.answer(job, got.decode(errors="replace")))
            return
        if ev.timed:
            send(self.ops.hold(job))
        self._write(CONTINUE_OR_ABORT + " \r\n")
        choice = self._read(stop, echo=False, finish=(b"c", b"C", b"a", b"A"), last=True, ctrl_c=False)
        if choice is None:
            return
        send(self.ops.abort(job) if choice.lower() == b"a" else self.ops.continue_early(job))

    def _write(self, text: str) -> None:
        try:
            self.stdout.write(text.encode(errors="replace"))
            self.stdout.flush()
        except (OSError, ValueError):
            pass

    def _read(self, stop: threading.Event, *, echo: bool, finish: tuple[bytes, ...] | None,
              last: bool = False, ctrl_c: bool = True) -> bytes | None:
        """Keys until one of ``finish`` (the line before it; ``last``: the key itself) or
        ctrl+C (``CTRL_C``; ignored with ``ctrl_c`` false, as at Ansible's C/A question);
        ``None`` when ``stop`` is set first. Without ``finish`` only ctrl+C ends it. The
        terminal's settings are restored whatever happens."""
        fd = self.stdin.fileno()
        saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)  # lflag: keys, no signals
        mode[0] &= ~(termios.ICRNL | termios.IXON)
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        line = b""
        try:
            termios.tcsetattr(fd, termios.TCSANOW, mode)
            termios.tcflush(fd, termios.TCIFLUSH)  # keys pressed before the pause do not count
            while not stop.is_set():
                if not select.select([fd], [], [], 0.1)[0]:
                    continue
                key = os.read(fd, 1)
                if not key:
                    return None
                if key == CTRL_C and ctrl_c:
                    self.stdout.write(CLEAR_LINE)
                    return CTRL_C
                if key == CTRL_C:
                    continue
                if finish is not None and key in finish:
                    self.stdout.write(CLEAR_LINE)
                    self.stdout.flush()
                    return key if last else line
                if key in (b"\x7f", b"\x08"):
                    line = line[:-1]
                    if echo:
                        self.stdout.write(CLEAR_LINE + line)
                elif not last:
                    line += key
                    if echo:
                        self.stdout.write(key)
                self.stdout.flush()
            return None
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
