"""Domain events of the job queue, for the TUI and the audit log.

One event per committed transition (emitted only after its fsync returned), plus
progress and output events that are not transitions. ``JobOutput`` wraps the engine's
own event (already redacted by the executor) with the job it belongs to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ftltui.engine.events import EventBus, EventRecord

__all__ = [
    "EventBus", "JobEvent", "JobQueued", "JobStarted", "JobSucceeded", "JobFailed",
    "JobRetryScheduled", "JobDeadLettered", "JobCancelling", "JobCancelled", "JobLost",
    "JobSkipped", "JobUpstreamFailed", "JobProgress", "JobOutput", "StepChanged",
    "QueueError", "JobsArchived", "EVENT_FOR_STATE",
]


@dataclass(frozen=True)
class JobEvent(EventRecord):
    job_id: int
    ts: float = field(default_factory=time.time, kw_only=True)


@dataclass(frozen=True)
class _Transition(JobEvent):
    state: str = ""
    previous: str = ""
    reason: str = ""
    transition: str = ""  # "<job_id>:<index in history>", stable across restarts


class JobQueued(_Transition): ...
class JobStarted(_Transition): ...
class JobSucceeded(_Transition): ...
class JobFailed(_Transition): ...
class JobRetryScheduled(_Transition): ...
class JobDeadLettered(_Transition): ...
class JobCancelling(_Transition): ...
class JobCancelled(_Transition): ...
class JobSkipped(_Transition): ...
class JobUpstreamFailed(_Transition): ...


@dataclass(frozen=True)
class JobLost(JobEvent):
    """A running job's owner process is gone; its attempt is closed as ``lost``."""

    owner_pid: int = 0
    attempt: int = 0


@dataclass(frozen=True)
class JobProgress(JobEvent):
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class JobOutput(JobEvent):
    event: Any = None  # an ftltui.engine.events.Event
    step: str | None = None


@dataclass(frozen=True)
class StepChanged(JobEvent):
    step: str = ""
    state: str = ""
    reason: str = ""


@dataclass(frozen=True)
class QueueError(JobEvent):
    """The queue could not record something (a full state disk); ``job_id`` 0 = none.

    Not a transition: the job keeps its last committed state and the queue retries
    (``retrying``) once space is back. For the TUI's status line and the audit log."""

    message: str = ""
    retrying: bool = False


@dataclass(frozen=True)
class JobsArchived(JobEvent):
    """Finished jobs ``ids`` moved from the live store to the archive file (``job_id`` 0).

    The queue archives while it runs (issue 16: a daemon runs for months), so the faces
    drop these jobs from their memory and their lists; ``jobs show N`` reads the archive."""

    ids: tuple[int, ...] = ()


EVENT_FOR_STATE: dict[str, type[_Transition]] = {
    "queued": JobQueued,
    "running": JobStarted,
    "succeeded": JobSucceeded,
    "failed": JobFailed,
    "retry_wait": JobRetryScheduled,
    "dead": JobDeadLettered,
    "cancelling": JobCancelling,
    "cancelled": JobCancelled,
    "skipped": JobSkipped,
    "upstream_failed": JobUpstreamFailed,
}
