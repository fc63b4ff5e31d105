"""The log pane's memory: a bounded ring of recent lines, filterable and searchable.

The pane must keep up with tens of thousands of lines a second without growing
without bound, so lines live in a ``deque(maxlen=...)`` and the ring counts what it
dropped (the full logs stay on disk with the job). Plain Python: no textual.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator


@dataclass(frozen=True, slots=True)
class LogRecord:
    seq: int
    ts: float
    job: str  # job id (or run id before the job queue)
    host: str  # "" for console notes
    stream: str  # stdout | stderr | status | note
    text: str  # already sanitised


class LogRing:
    def __init__(self, capacity: int = 50_000, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self._lines: deque[LogRecord] = deque(maxlen=capacity)
        self._seq = 0
        self.dropped = 0
        self.clock = clock

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[LogRecord]:
        return iter(self._lines)

    def append(self, job: str, host: str, stream: str, text: str, ts: float | None = None) -> LogRecord:
        if len(self._lines) == self.capacity:
            self.dropped += 1
        self._seq += 1
        rec = LogRecord(self._seq, self.clock() if ts is None else ts, job, host, stream, text)
        self._lines.append(rec)
        return rec

    def extend(self, records: Iterable[tuple[str, str, str, str]]) -> list[LogRecord]:
        return [self.append(*r) for r in records]

    def clear(self) -> None:
        self.dropped += 0
        self._lines.clear()

    def select(self, job: str | None = None, host: str | None = None) -> list[LogRecord]:
        return [r for r in self._lines if matches(r, job, host)]

    def jobs(self) -> list[str]:
        return list(dict.fromkeys(r.job for r in self._lines if r.job))

    def hosts(self) -> list[str]:
        return list(dict.fromkeys(r.host for r in self._lines if r.host))


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


def find_matches(lines: list[str], pattern: str) -> list[int]:
    """Indices of display lines that match the search (regex, else literal)."""
    if not pattern:
        return []
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except re.error:
        rx = re.compile(re.escape(pattern), re.IGNORECASE)
    return [i for i, line in enumerate(lines) if rx.search(line)]
