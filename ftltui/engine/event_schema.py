"""The JSON event stream's public names and schema version (docs/events.md).

``ftl-tui run --json`` and ``play --json`` print one JSON object per event. Scripts
key on ``event``; those names are a documented interface, so they are kept here,
apart from the Python class names, which may change. Bump :data:`SCHEMA` when a
documented field changes meaning or disappears (adding fields does not bump it).
"""

from __future__ import annotations

import re
from typing import Any

SCHEMA = 1

NAMES = {
    # engine: one run of one module
    "RunStarted": "run.started",
    "HostStarted": "host.started",
    "OutputLine": "host.output",
    "HostFinished": "host.finished",
    "Warning_": "run.warning",
    "RunFinished": "run.finished",
    "Summary": "run.summary",
    # jobs: play runs a workflow as a job
    "JobQueued": "job.queued",
    "JobStarted": "job.started",
    "JobSucceeded": "job.succeeded",
    "JobFailed": "job.failed",
    "JobRetryScheduled": "job.retry_scheduled",
    "JobDeadLettered": "job.dead",
    "JobCancelling": "job.cancelling",
    "JobCancelled": "job.cancelled",
    "JobSkipped": "job.skipped",
    "JobUpstreamFailed": "job.upstream_failed",
    "JobLost": "job.lost",
    "JobProgress": "job.progress",
    "JobOutput": "job.output",
    "StepChanged": "step.changed",
    "QueueError": "queue.error",
}


def public_name(class_name: str) -> str:
    """The documented name of an event; an undocumented one becomes ``a.b`` from ``AB``."""
    if class_name in NAMES:
        return NAMES[class_name]
    words = re.findall(r"[A-Z][a-z0-9]*", class_name.rstrip("_")) or [class_name]
    return ".".join(w.lower() for w in words)


def event_record(data: dict[str, Any]) -> dict[str, Any]:
    """An event's ``to_dict()`` with its public name and the schema version first.

    A job's output event nests the engine event: ``{"event": "job.output", "output": {...}}``.
    """
    data = dict(data)
    name = data.pop("event", "")
    if isinstance(name, dict):  # JobOutput: its ``event`` field holds the inner event
        data["output"] = event_record(name)
        name = "JobOutput"
    return {"schema": SCHEMA, "event": public_name(str(name)), **data}
