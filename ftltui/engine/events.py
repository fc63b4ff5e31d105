"""The typed event stream every consumer (CLI, job queue, TUI) reads.

Events are frozen dataclasses: they cross threads and layers and are never mutated.
Every text in them has already been through the run's redactor.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Generic, Literal, TypeVar

Status = Literal["ok", "changed", "failed", "unreachable", "skipped", "cancelled"]
STATUSES: tuple[Status, ...] = ("ok", "changed", "failed", "unreachable", "skipped", "cancelled")


@dataclass(frozen=True)
class HostResult:
    """One host's outcome of one module run.

    ``result`` keeps Ansible's shape (``changed``, ``failed``, ``msg``, ``rc``, ...).
    ``error_kind`` classifies failures (``module_failed``, ``unreachable``,
    ``auth_failed``, ``host_key_rejected``, ``gate_failed``, ``timeout``,
    ``bad_args``, ``template``, ``cancelled``, and ``internal`` for an exception no
    layer classified: the host failed and ``msg`` says what was raised) so retry
    policies can decide.
    """

    host: str
    status: Status
    result: dict[str, Any]
    duration: float = 0.0
    error_kind: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "changed", "skipped")

    @property
    def changed(self) -> bool:
        return self.status == "changed"

    @property
    def msg(self) -> str:
        return str(self.result.get("msg", ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "status": self.status,
            "duration": round(self.duration, 6),
            "error_kind": self.error_kind,
            "result": self.result,
        }


class EventRecord:
    """``type`` and a JSON-ready ``to_dict`` for every event dataclass (engine and jobs)."""

    __slots__ = ()

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"event": self.type}
        for k, v in self.__dict__.items():
            d[k] = v.to_dict() if hasattr(v, "to_dict") else v
        return d


@dataclass(frozen=True)
class Event(EventRecord):
    run_id: str
    ts: float = field(default_factory=time.time, kw_only=True)


@dataclass(frozen=True)
class RunStarted(Event):
    module: str
    pattern: str
    hosts: tuple[str, ...]
    check: bool = False
    args: dict[str, Any] = field(default_factory=dict)  # redacted


@dataclass(frozen=True)
class HostStarted(Event):
    host: str


@dataclass(frozen=True)
class OutputLine(Event):
    host: str
    stream: str  # "stdout" | "stderr"
    text: str


@dataclass(frozen=True)
class HostFinished(Event):
    host: str
    result: HostResult


@dataclass(frozen=True)
class Warning_(Event):
    """A non-fatal remark for the operator (ignored ssh option, deprecated arg)."""

    host: str | None
    text: str


@dataclass(frozen=True)
class RunFinished(Event):
    counts: dict[str, int]
    duration: float
    cancelled: bool = False


EventHandler = Callable[[Event], Any]


E = TypeVar("E", bound=EventRecord)


class EventBus(Generic[E]):
    """Fan-out of events to callbacks and async iterators.

    Generic in the event family it carries: the executor's bus carries engine
    :class:`Event` s, the job queue's bus job events (``EventBus[JobEvent]``).

    Callbacks run synchronously in the emitting task (keep them cheap: the TUI posts a
    message, the job queue appends to a buffer). ``stream()`` gives an async iterator
    fed by an unbounded queue, for consumers that want to ``async for``.
    """

    def __init__(self) -> None:
        self._handlers: list[Callable[[E], Any]] = []
        self._queues: list[asyncio.Queue[E | None]] = []

    def subscribe(self, handler: Callable[[E], Any]) -> Callable[[], None]:
        self._handlers.append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers:
                self._handlers.remove(handler)

        return unsubscribe

    def emit(self, event: E) -> None:
        for handler in list(self._handlers):
            handler(event)
        for q in self._queues:
            q.put_nowait(event)

    async def stream(self) -> AsyncIterator[E]:
        q: asyncio.Queue[E | None] = asyncio.Queue()
        self._queues.append(q)
        try:
            while True:
                ev = await q.get()
                if ev is None:
                    return
                yield ev
        finally:
            self._queues.remove(q)

    def close_streams(self) -> None:
        for q in self._queues:
            q.put_nowait(None)
