"""``ftl-tui play PLAYBOOK --json``: the run's events as JSON lines, then the recap.

One JSON object per line, each with ``"schema"`` (:data:`SCHEMA_VERSION`) and
``"event"`` (a documented name below, never the Python class name), so scripts can
follow a run live (``| jq``) and CI can read the last line:

    {"schema": 1, "event": "playbook.recap", "stats": {"web1": {"ok": 3, ...}}, "exit_code": 0, ...}

The events carry what the text output shows (already redacted, ``no_log`` censored);
the names and fields are listed in docs/events.md.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from ftltui.playbook import events as ev
from ftltui.playbook.events import SCHEMA_VERSION

# class name -> documented event name (the JSON interface; keep stable)
EVENT_NAMES = {
    "PlaybookStarted": "playbook.started",
    "PlayStarted": "play.started",
    "NoHostsMatched": "play.no_hosts_matched",
    "TaskStarted": "task.started",
    "HostTaskResult": "task.host_result",
    "ItemResult": "task.item_result",
    "TaskRetrying": "task.retrying",
    "HostOutput": "task.host_output",
    "Included": "task.included",
    "PauseStarted": "task.pause_started",
    "PauseEnded": "task.pause_ended",
    "PlaybookWarning": "playbook.warning",
    "PlaybookFinished": "playbook.finished",
}
RECAP_EVENT = "playbook.recap"


def event_doc(event: ev.PlaybookEvent) -> dict[str, Any]:
    """An event as its JSON object: schema and public name first, then its fields."""
    data = event.to_dict()
    data.pop("event", None)
    data.pop("schema", None)
    return {"schema": SCHEMA_VERSION, "event": EVENT_NAMES.get(event.type, event.type), **data}


def recap_doc(finished: ev.PlaybookFinished, **extra: Any) -> dict[str, Any]:
    """The final object: per-host counts (Ansible's recap), the exit status, and what the
    caller adds (the job id)."""
    return {"schema": SCHEMA_VERSION, "event": RECAP_EVENT,
            "stats": {h: finished.stats[h].to_dict() for h in sorted(finished.stats)},
            "exit_code": finished.exit_code, "interrupted": finished.interrupted, **extra}


class JsonOutput:
    """Consumes a run's events and writes one JSON line each; :meth:`recap` writes the last."""

    def __init__(self, out: TextIO | None = None, *, with_output: bool = True) -> None:
        self.out = out or sys.stdout
        self.with_output = with_output  # HostOutput lines (live module output) too
        self.finished: ev.PlaybookFinished | None = None

    def _write(self, doc: dict[str, Any]) -> None:
        try:
            self.out.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
            self.out.flush()
        except BrokenPipeError:  # `| head`: the reader left; the run goes on quietly
            self.out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

    def __call__(self, event: ev.PlaybookEvent) -> None:
        if isinstance(event, ev.HostOutput) and not self.with_output:
            return
        if isinstance(event, ev.PlaybookFinished):
            self.finished = event
        self._write(event_doc(event))

    def recap(self, **extra: Any) -> None:
        if self.finished is not None:
            self._write(recap_doc(self.finished, **extra))
