"""How a schedule is shown: its times as text, and its JSON record.

One place for what ``ftl-tui schedule list`` (text and ``--json``), the API's
``schedule.*`` answers and the console's Schedules view print, so the three never
disagree (they were three copies). Times are shown in the schedule's own zone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ftltui.errors import FtlError
from ftltui.schedule.model import Schedule

LAST_ERROR_CHARS = 60  # a firing's error or skip reason, cut to fit a table row


def when(epoch: float, tz: str) -> str:
    """``2026-12-04 06:00:00 UTC``: ``epoch`` in zone ``tz``."""
    from ftltui.schedule.cron import zone

    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")


def next_text(s: Schedule) -> str:
    """The next firing; ``-`` when paused, ``never (why)`` for a record this version
    cannot use (hand-edited, newer syntax): it is listed anyway."""
    if s.paused:
        return "-"
    try:
        return when(s.next_due(), s.tz)
    except FtlError as exc:
        return f"never ({exc.message})"


def last_text(s: Schedule) -> str:
    """The last firing and its job, with ``(failed: ...)`` or ``(skipped N: ...)``."""
    last = "-" if s.last_fired is None else f"{when(s.last_fired, s.tz)} job {s.last_job}"
    if s.last_error:
        last += f" (failed: {s.last_error[:LAST_ERROR_CHARS]})"
    elif s.last_skip:
        last += f" (skipped {s.skipped}: {s.last_skip[:LAST_ERROR_CHARS]})"
    return last


def schedule_record(s: Schedule) -> dict[str, Any]:
    """The JSON form (``ftl-tui schedule list --json``, the API's answers): the stored
    fields, the kind, and the next firing (ISO, in its zone; ``None`` when paused or
    unusable: the scheduler reports an unusable record)."""
    doc: dict[str, Any] = {"id": s.id, "kind": s.kind, **s.doc()}
    try:
        doc["next"] = None if s.paused else datetime.fromtimestamp(s.next_due(), timezone.utc).astimezone(
            s.timing().tz).isoformat()
    except FtlError:
        doc["next"] = None
    return doc


def from_record(doc: dict[str, Any]) -> Schedule:
    """A :class:`Schedule` back from :func:`schedule_record` (a client prints it)."""
    fields = {k: v for k, v in doc.items() if k not in ("id", "kind", "next")}
    return Schedule.from_doc(int(doc["id"]), fields)
