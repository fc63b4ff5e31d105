"""The ``:`` command line: history (up/down), tab completion, inline suggestion."""

from __future__ import annotations

from typing import Callable, Iterable

from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from ftltui.tui.commands import History, Registry


class RegistrySuggester(Suggester):
    def __init__(self, registry: Registry, source: Callable[[str], Iterable[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.registry = registry
        self.source = source

    async def get_suggestion(self, value: str) -> str | None:
        cands = self.registry.complete(value, self.source)
        return cands[0] if cands else None


class CommandLine(Input):
    BINDINGS = [
        Binding("escape", "close", "Close", id="cmdline.close"),
        Binding("up", "history(-1)", "Previous", id="cmdline.prev", show=False),
        Binding("down", "history(1)", "Next", id="cmdline.next", show=False),
        Binding("tab", "complete", "Complete", id="cmdline.complete", priority=True),
    ]

    class Run(Message):
        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class Closed(Message):
        pass

    def __init__(self, registry: Registry, history: History, source: Callable[[str], Iterable[str]],
                 **kw) -> None:
        # select_on_focus off: a prefilled line ("schedule add ", a palette "type the rest")
        # is continued by the next key, not replaced by it
        super().__init__(placeholder=":command  (tab completes, ↑↓ history, esc closes)",
                         suggester=RegistrySuggester(registry, source), select_on_focus=False, **kw)
        self.registry = registry
        self.history = history
        self.source = source
        self._cands: list[str] = []
        self._cand_i = -1
        self._cand_base = ""

    def action_close(self) -> None:
        self.value = ""
        self.history.reset()
        self.post_message(self.Closed())

    def action_history(self, step: int) -> None:
        line = self.history.previous() if step < 0 else self.history.next()
        if line is not None:
            self.value = line
            self.cursor_position = len(line)

    def action_complete(self) -> None:
        if self._cand_base != self.value or not self._cands:
            base = self.value
            self._cands = self.registry.complete(base, self.source)
            self._cand_i = -1
        if not self._cands:
            self.app.bell()
            return
        self._cand_i = (self._cand_i + 1) % len(self._cands)
        single = len(self._cands) == 1
        self.value = self._cands[self._cand_i] + (" " if single else "")
        self._cand_base = self.value
        if single:
            self._cands = []
        self.cursor_position = len(self.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = self.value.strip()
        self.value = ""
        self._cands = []
        if line:
            self.history.add(line)
        self.post_message(self.Run(line))
