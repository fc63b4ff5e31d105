"""The log pane's memory: a bounded ring of recent lines, filterable and searchable.

The pane must keep up with tens of thousands of lines a second without growing
without bound, so lines live in a ``deque(maxlen=...)`` and the ring counts what it
dropped (the full logs stay on disk with the job). Plain Python: no textual.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable, Iterable, Iterator, NamedTuple


class LogRecord(NamedTuple):
    seq: int
    ts: float
    job: str  # job id (or run id before the job queue)
    host: str  # "" for console notes
    stream: str  # stdout | stderr | status | note
    text: str  # already sanitised


_JOB, _HOST = 2, 3


class LogRing:
    """The ring stores plain tuples, handing out ``LogRecord`` views.

    Why: the cyclic garbage collector untracks an exact ``tuple`` of strings and
    numbers, but never a dataclass or a NamedTuple. 50,000 tracked records made every
    full collection walk them all, 100-170 ms each while output streamed, and a key
    press that landed behind one waited that long."""

    def __init__(self, capacity: int = 50_000, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self._lines: deque[tuple[int, float, str, str, str, str]] = deque(maxlen=capacity)
        self._seq = 0
        self.dropped = 0
        self.clock = clock

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[LogRecord]:
        return map(LogRecord._make, self._lines)

    def append(self, job: str, host: str, stream: str, text: str, ts: float | None = None) -> LogRecord:
        if len(self._lines) == self.capacity:
            self.dropped += 1
        self._seq += 1
        rec = (self._seq, self.clock() if ts is None else ts, job, host, stream, text)
        self._lines.append(rec)
        return LogRecord._make(rec)

    def extend(self, records: Iterable[tuple[str, str, str, str]]) -> list[LogRecord]:
        return [self.append(*r) for r in records]

    def clear(self) -> None:
        self._lines.clear()

    def select(self, job: str | None = None, host: str | None = None) -> list[LogRecord]:
        return [LogRecord._make(r) for r in self._lines
                if (job is None or r[_JOB] == job) and (host is None or r[_HOST] == host)]

    def jobs(self) -> list[str]:
        return list(dict.fromkeys(r[2] for r in self._lines if r[2]))  # r[_JOB]: a literal index keeps its type

    def hosts(self) -> list[str]:
        return list(dict.fromkeys(r[3] for r in self._lines if r[3]))  # r[_HOST]


def matches(rec: LogRecord, job: str | None, host: str | None) -> bool:
    return (job is None or rec.job == job) and (host is None or rec.host == host)


def format_record(rec: LogRecord, timestamps: bool = False, fmt_time: Callable[[float], str] | None = None) -> str:
    """One display line: ``host | text`` (stdout), ``host ! text`` (stderr), notes as is."""
    if rec.stream in ("stdout", "stderr"):
        sep = "|" if rec.stream == "stdout" else "!"
        line = f"{rec.host} {sep} {rec.text}"
    elif rec.host:
        line = f"{rec.host} = {rec.text}"
    else:
        line = f"-- {rec.text}"
    if timestamps:
        stamp = fmt_time(rec.ts) if fmt_time else time.strftime("%H:%M:%S", time.localtime(rec.ts))
        line = f"{stamp} {line}"
    return line


def wrap_line(line: str, width: int) -> list[str]:
    """Hard-wrap a display line to ``width`` columns (continuation lines indented)."""
    if width <= 4 or len(line) <= width:
        return [line]
    out = [line[:width]]
    rest = line[width:]
    while rest:
        out.append("  " + rest[: width - 2])
        rest = rest[width - 2 :]
    return out
