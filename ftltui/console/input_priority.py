"""While the operator presses keys, the engine's worker processes yield the cores.

The console's one event loop answers keys and repaints; next to busy shard workers (and,
in bench --scale, 1,000 co-located hosts) a repaint of 10-15 ms of CPU waited for a core
long enough that the key behind it took over 100 ms (issue 17). The workers run at a
lower session priority all the time (ShardConfig.group_nice); from the first key until
:attr:`InputPriority.WINDOW` seconds after the last one, lower still
(ShardConfig.input_group_nice). When nobody types, a job gets every idle cycle again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class Interactive(Protocol):
    def set_interactive(self, active: bool) -> None: ...


class InputPriority:
    """Tells the executor (when this process has one: an attached console's jobs run in its
    owner) that keys are being pressed, and that they stopped."""

    WINDOW = 2.0  # seconds after the last key

    def __init__(self, executor: Callable[[], Interactive | None], window: float | None = None) -> None:
        self._executor = executor
        self.window = self.WINDOW if window is None else window
        self.active = False
        self._until = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def key_pressed(self) -> None:
        """A key from the operator. Cheap when keys come fast: one clock read."""
        executor = self._executor()
        if executor is None:
            return
        loop = asyncio.get_running_loop()
        self._until = loop.time() + self.window
        if not self.active:
            self.active = True
            executor.set_interactive(True)
            self._timer = loop.call_later(self.window, self._check)

    def _check(self) -> None:
        loop = asyncio.get_running_loop()
        left = self._until - loop.time()
        if left > 0:
            self._timer = loop.call_later(left, self._check)
            return
        self.stop()

    def stop(self) -> None:
        """Back to the workers' usual priority (the window ended, or the session closes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.active:
            self.active = False
            executor = self._executor()
            if executor is not None:
                executor.set_interactive(False)
