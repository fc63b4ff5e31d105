"""Domain events of a drift scan job (beside the engine's events in its output stream)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ftltui.engine.events import EventRecord


@dataclass(frozen=True)
class DriftHostScanned(EventRecord):
    """One host's snapshot of a scan is stored (``ok``) or its scan failed.

    Logged as ``{"event": "DriftHostScanned", "host", "ok", "ts"}`` in the job's log."""

    host: str
    ok: bool
    ts: float = field(default_factory=time.time, kw_only=True)
