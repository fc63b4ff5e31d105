"""``ftl-tui play``'s pause terminal never joins a key-reader thread on the event loop
(review finding 7 of hQ2): a new pause tells the last reader to stop and the new reader
waits for it (so the terminal settings it saves are the real ones), off the loop. A real
pty; the last reader is a real thread whose ``join`` records who called it."""

from __future__ import annotations

import asyncio
import os
import threading

from ftltui.commands.pause_tty import PauseOps, PauseTerminal
from ftltui.playbook.events import PauseStarted


class _Reader(threading.Thread):
    """A reader still finishing (a slow terminal): it ends only when told to."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.joined_by: list[str] = []
        super().__init__(target=self.release.wait, daemon=True)

    def join(self, timeout: float | None = None) -> None:
        self.joined_by.append(threading.current_thread().name)
        super().join(timeout)


async def _nothing(*_args: object) -> None:
    return None


def test_a_new_pause_does_not_join_the_last_reader_on_the_loop() -> None:
    master, slave = os.openpty()
    stdin, stdout = os.fdopen(slave, "rb", buffering=0), os.fdopen(os.dup(slave), "wb", buffering=0)
    term = PauseTerminal(PauseOps(_nothing, _nothing, _nothing, _nothing), lambda: 1, tty=True,
                         stdin=stdin, stdout=stdout)
    old = _Reader()
    old.start()
    term._thread = old  # the last pause's reader, not yet done

    async def main() -> str:
        term(PauseStarted(host="a", seconds=60, task="wait", prompt="Go on"))
        return threading.current_thread().name

    try:
        loop_thread = asyncio.run(main())
        assert loop_thread not in old.joined_by  # the loop went on at once
        old.release.set()
        term.close()  # the run ended: the one join, after the loop's work
        assert old.joined_by and loop_thread not in old.joined_by[:1]
        assert not old.is_alive()
    finally:
        old.release.set()
        term.close()
        stdin.close()
        stdout.close()
        os.close(master)
