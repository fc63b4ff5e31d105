"""Bounded output: remote programs may print without limit, the controller may not keep it.

Stdlib only, Python 3.8 compatible (runs inside the gate). Two pieces:

- :class:`LineCapper` splits a text stream into lines for ``ctx.emit`` and cuts any
  line longer than ``max_line`` characters with a marker, so a single 100 MB line
  never becomes one 100 MB event (or one gate frame over the 64 MiB limit).
- :class:`HeadTail` keeps the first and last ``max_output / 2`` characters of a
  stream for the module result, with a marker saying how much was dropped between.

The limits come from :class:`OutputLimits`: on the controller from the environment
(``FTL_TUI_MAX_OUTPUT``, ``FTL_TUI_MAX_LINE``), in the gate from the ``run`` request.
"""

from __future__ import annotations

import os

from ftltui.modules.base import _Frozen
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Callable, Deque, Dict, List, Optional

DEFAULT_MAX_OUTPUT = 2 * 1024 * 1024  # characters of stdout (and of stderr) kept in a result
DEFAULT_MAX_LINE = 64 * 1024  # characters of one streamed line


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return max(64, value)


class OutputLimits(_Frozen):
    __slots__ = ("max_output", "max_line")
    _FIELDS = __slots__
    max_output: int
    max_line: int

    def __init__(self, max_output: int = DEFAULT_MAX_OUTPUT, max_line: int = DEFAULT_MAX_LINE) -> None:
        self._init(locals())

    @classmethod
    def from_env(cls) -> "OutputLimits":
        return cls(_env_int("FTL_TUI_MAX_OUTPUT", DEFAULT_MAX_OUTPUT), _env_int("FTL_TUI_MAX_LINE", DEFAULT_MAX_LINE))

    @classmethod
    def from_wire(cls, data: Any) -> "OutputLimits":
        """From a ``run`` request's ``limits`` (absent or malformed: the defaults)."""
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(max(64, int(data.get("max_output", DEFAULT_MAX_OUTPUT))),
                       max(64, int(data.get("max_line", DEFAULT_MAX_LINE))))
        except (TypeError, ValueError):
            return cls()

    def to_wire(self) -> Dict[str, int]:
        return {"max_output": self.max_output, "max_line": self.max_line}


def limits_of(ctx: Any) -> OutputLimits:
    limits = getattr(ctx, "limits", None)
    return limits if isinstance(limits, OutputLimits) else OutputLimits()


class LineCapper:
    """Feed text chunks; ``emit`` gets each complete line (no newline), capped."""

    def __init__(self, emit: Callable[[str], None], max_line: int = DEFAULT_MAX_LINE) -> None:
        self.emit = emit
        self.max_line = max_line
        self._parts: List[str] = []
        self._len = 0
        self._dropped = 0
        self._open = False  # a line has started (possibly empty so far)

    def feed(self, text: str) -> None:
        start = 0
        while True:
            nl = text.find("\n", start)
            if nl < 0:
                if start < len(text):
                    self._add(text[start:])
                return
            self._add(text[start:nl])
            self._flush()
            start = nl + 1

    def close(self) -> None:
        if self._open:
            self._flush()

    def _add(self, s: str) -> None:
        self._open = True
        room = self.max_line - self._len
        if room > 0:
            take = s[:room]
            self._parts.append(take)
            self._len += len(take)
            self._dropped += len(s) - len(take)
        else:
            self._dropped += len(s)

    def _flush(self) -> None:
        line = "".join(self._parts).rstrip("\r")
        if self._dropped:
            line += " [... line truncated: %d more characters]" % self._dropped
        self._parts, self._len, self._dropped, self._open = [], 0, 0, False
        self.emit(line)


class HeadTail:
    """The first and last characters of a stream, within ``limit`` in total."""

    def __init__(self, limit: int = DEFAULT_MAX_OUTPUT) -> None:
        self.head_max = limit // 2
        self.tail_max = limit - self.head_max
        self._head: List[str] = []
        self._head_len = 0
        # a deque once the head is full: ``collections`` (with ``operator``, ``keyword``,
        # ``reprlib``) is ~4 M instructions that a gate's every command paid for nothing
        self._tail: Optional[Deque[str]] = None
        self._tail_len = 0
        self.dropped = 0

    def add(self, s: str) -> None:
        if self._head_len < self.head_max:
            take = s[: self.head_max - self._head_len]
            self._head.append(take)
            self._head_len += len(take)
            s = s[len(take):]
        if not s:
            return
        if self._tail is None:
            from collections import deque

            self._tail = deque()
        self._tail.append(s)
        self._tail_len += len(s)
        while self._tail_len > self.tail_max:
            first = self._tail[0]
            excess = self._tail_len - self.tail_max
            if len(first) <= excess:
                self._tail.popleft()
                self._tail_len -= len(first)
                self.dropped += len(first)
            else:
                self._tail[0] = first[excess:]
                self._tail_len -= excess
                self.dropped += excess

    def text(self) -> str:
        head, tail = "".join(self._head), "".join(self._tail or ())
        if not self.dropped:
            return head + tail
        return head + "\n[... output truncated: %d characters dropped (FTL_TUI_MAX_OUTPUT) ...]\n" % self.dropped + tail


def truncation_note(dropped: Dict[str, int]) -> Optional[Dict[str, int]]:
    """``{"stdout": n}`` for the streams that lost characters, or None."""
    out = {k: v for k, v in dropped.items() if v}
    return out or None
