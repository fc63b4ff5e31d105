"""Job states, the one transition table, and the job/attempt records.

Both jobs and workflow steps move through the same states and the same table, so a
step can never do what a job may not. :func:`check_transition` is the only gate:
every state change anywhere goes through it and an illegal one raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftltui.errors import FtlError

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
RETRY_WAIT = "retry_wait"
CANCELLING = "cancelling"
CANCELLED = "cancelled"
DEAD = "dead"
UPSTREAM_FAILED = "upstream_failed"
SKIPPED = "skipped"

STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, RETRY_WAIT, CANCELLING, CANCELLED, DEAD,
          UPSTREAM_FAILED, SKIPPED)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED, DEAD, UPSTREAM_FAILED, SKIPPED})
ACTIVE = frozenset(STATES) - TERMINAL

# The one table. ``running -> retry_wait|dead`` covers both a failed attempt and a
# ``lost`` one (its owner died); ``cancelling -> succeeded|failed`` is the race where
# the work finished before the cancel reached it.
TRANSITIONS: dict[str, frozenset[str]] = {
    QUEUED: frozenset({RUNNING, CANCELLED, SKIPPED, UPSTREAM_FAILED}),
    RUNNING: frozenset({SUCCEEDED, FAILED, RETRY_WAIT, CANCELLING, DEAD}),
    RETRY_WAIT: frozenset({QUEUED, CANCELLED}),
    CANCELLING: frozenset({CANCELLED, SUCCEEDED, FAILED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
    DEAD: frozenset(),
    UPSTREAM_FAILED: frozenset(),
    SKIPPED: frozenset(),
}

# Attempt outcomes.
OK, ERROR, TIMEOUT, LOST, ATTEMPT_CANCELLED = "ok", "error", "timeout", "lost", "cancelled"
OUTCOMES = (OK, ERROR, TIMEOUT, LOST, ATTEMPT_CANCELLED)


class IllegalTransition(FtlError):
    """A state change the transition table does not allow (a bug, never user input)."""


def check_transition(current: str, new: str, what: str = "job") -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"{what}: illegal transition {current} -> {new}")


@dataclass
class Outcome:
    """What a job kind's handler reports back to the queue.

    ``status`` is an attempt outcome (ok/error/timeout/cancelled); ``error_kind``
    (``unreachable``, ``auth_failed``, ``bad_args``, ...) decides whether a retry may help.
    """

    status: str = OK
    error_kind: str | None = None
    message: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    # False when the handler knows another attempt has nothing safe to do (every failed
    # host finished or may have run a non-idempotent command): the job fails, not retries
    retry: bool = True


@dataclass
class Attempt:
    """One try at running a job; a record of its own in the ``attempts`` table."""

    job_id: int
    number: int
    started: float
    pid: int
    pid_start: float | None
    ended: float | None = None
    outcome: str | None = None
    error_kind: str | None = None
    message: str = ""

    def to_doc(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Job:
    """A job as stored in the ``jobs`` table (``id`` is the TinyDB document id)."""

    id: int
    kind: str
    spec: dict[str, Any]
    state: str = QUEUED
    priority: int = 0
    key: str | None = None
    title: str = ""
    created: float = 0.0
    updated: float = 0.0
    history: list[list[Any]] = field(default_factory=list)  # [state, ts, reason]
    attempts: int = 0
    max_attempts: int = 3
    not_before: float = 0.0
    owner: dict[str, Any] | None = None  # {"pid", "start", "heartbeat"} while running
    hosts: list[str] = field(default_factory=list)
    progress: dict[str, int] = field(default_factory=lambda: {"done": 0, "total": 0})
    reason: str = ""
    error_kind: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)  # workflow jobs: per-step records
    per_host: dict[str, Any] = field(default_factory=dict)  # run jobs: retry.HostLedger, host -> attempts
    parent: int | None = None  # requeued/retried from
    has_secrets: bool = False
    # which secrets it had, by kind and name only (``become_password``, ``arg:NAME``,
    # ``prompt:NAME``, ``var:NAME``: ftltui.jobs.again), never a value: a retry asks for
    # exactly those again; empty in documents of older versions
    secret_kinds: list[str] = field(default_factory=list)
    log: str = ""
    # submitted by a client that waits for its result (``ftl-tui run``/``play`` through an
    # owner): it does not start once that client is gone (an owner's stop or death ends it)
    foreground: bool = False

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    @classmethod
    def from_doc(cls, doc_id: int, doc: dict[str, Any]) -> Job:
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__ and k != "id"}
        return cls(id=int(doc_id), **known)

    def to_doc(self) -> dict[str, Any]:
        # shallow on purpose (asdict deep-copies): the store copies what it keeps
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "id"}
