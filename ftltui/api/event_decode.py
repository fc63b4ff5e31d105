"""Job events back from their JSON records, for the faces on the client side of the API.

The owner sends a job's events as ``event_record(event.to_dict())`` (public names such
as ``job.started``, a job's output nested under ``output``; docs/events.md). An attached
console feeds them to its own :class:`~ftltui.console.feed.ViewFeed` and a ``play``
client to its printer, so both need the typed events again: the job events are rebuilt
field by field from their dataclasses, the nested engine, playbook and drift events by
their own decoders. A record that is not a job event gives ``None`` (a newer owner may
send events this client does not know: they are skipped, never guessed at).
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from ftltui.api.playbook_events import playbook_event
from ftltui.api.run_events import engine_event
from ftltui.drift import events as drift_events
from ftltui.engine import events as engine_events
from ftltui.engine.event_schema import NAMES, public_name
from ftltui.jobs import events as jev
from ftltui.playbook import events as pe


@cache
def _class_names() -> dict[str, str]:
    """Public name -> class name, for every event class a job's records can name."""
    names: set[str] = set(NAMES)
    for module in (engine_events, jev, pe, drift_events):
        for name, cls in vars(module).items():
            if isinstance(cls, type) and dataclasses.is_dataclass(cls):
                names.add(name)
    generated = {public_name(n): n for n in sorted(names) if n not in NAMES}
    # the documented names win: a class whose made-up name collides (HostOutput -> host.output) never does
    return generated | {public: n for n, public in NAMES.items()} | {n: n for n in names}


def class_name(rec: dict[str, Any]) -> str:
    """The event class a record names (its public name or its class name)."""
    name = rec.get("event")
    return _class_names().get(name, "") if isinstance(name, str) else ""


def _inner(rec: dict[str, Any]) -> Any:
    """The event a ``JobOutput`` record wraps: an engine, playbook or drift event."""
    raw = rec.get("output") if isinstance(rec.get("output"), dict) else rec.get("event")
    if not isinstance(raw, dict):
        return None
    named = {**raw, "event": class_name(raw)}
    if named["event"] == "DriftHostScanned":
        return drift_events.DriftHostScanned(str(named.get("host", "")), bool(named.get("ok")),
                                             ts=float(named.get("ts") or 0.0))
    try:
        return engine_event(named) or playbook_event(named)
    except (KeyError, TypeError, ValueError):
        return None


def job_event(rec: dict[str, Any]) -> jev.JobEvent | None:
    """The typed job event of a record, ``None`` when it is not one (or is malformed)."""
    if isinstance(rec.get("event"), dict):  # a raw ``to_dict()`` of JobOutput: its event field won
        name = "JobOutput"
    else:
        name = class_name(rec)
    cls = getattr(jev, name, None) if name else None
    if not (isinstance(cls, type) and issubclass(cls, jev.JobEvent)):
        return None
    if cls is jev.JobOutput:
        inner = _inner(rec)
        if inner is None:
            return None
        step = rec.get("step")
        return jev.JobOutput(int(rec.get("job_id") or 0), event=inner, step=step if isinstance(step, str) else None,
                             ts=float(rec.get("ts") or 0.0))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in rec:
            kwargs[f.name] = rec[f.name]
    try:
        event: jev.JobEvent = cls(**kwargs)
    except TypeError:
        return None
    return event
