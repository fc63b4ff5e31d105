"""The site workers, as the console shows them: one row per live worker (no Textual here).

Read from the broker's heartbeat keys (:func:`ftltui.sites.registry.list_workers`) with
the broker the owner uses (``$FTL_TUI_BROKER`` or ansible.cfg ``[ftl_sites]``). Reading
blocks on Redis (a few ms; up to the 3 s connect timeout when it is away), so a face
calls :meth:`WorkersDesk.snapshot` off its event loop. A console without sites gets a
note saying so instead of rows; a broker that does not answer, a note naming it (never
its password).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ftltui.sites.broker import Broker
    from ftltui.sites.registry import WorkerInfo
    from ftltui.sites.settings import SiteSettings


@dataclass(frozen=True)
class WorkerRow:
    """One worker, as plain text cells."""

    site: str
    hostname: str
    pid: str
    heartbeat: str  # "2s ago"
    shards: str  # "job:1:east (3 hosts), ..." or "-"


@dataclass(frozen=True)
class WorkersSnapshot:
    rows: tuple[WorkerRow, ...]
    note: str  # where the list comes from, or why there is none


class WorkersDesk:
    """Lists the workers of the broker in effect; ``list_workers`` and ``settings`` are replaceable for tests."""

    def __init__(self, *, settings: Callable[[], SiteSettings] | None = None, broker: Broker | None = None,
                 list_workers: Callable[[Broker], list[WorkerInfo]] | None = None) -> None:
        self._settings = settings
        self._broker = broker
        self._list = list_workers

    def snapshot(self) -> WorkersSnapshot:
        from ftltui.sites.errors import SitesError

        try:
            broker = self._broker or self._resolve()
        except SitesError as exc:
            return WorkersSnapshot((), f"no site workers: {exc}")
        from ftltui.sites.registry import list_workers

        lister: Callable[[Broker], list[WorkerInfo]] = self._list or list_workers
        try:
            found = lister(broker)
        except Exception as exc:  # redis' connection/auth/timeout errors
            return WorkersSnapshot((), f"broker {broker.shown} did not answer: {type(exc).__name__}")
        rows = tuple(WorkerRow(w.site, w.hostname, str(w.pid), f"{w.heartbeat_age:.0f}s ago",
                               ", ".join(w.shards) or "-") for w in found)
        when = time.strftime("%H:%M:%S")
        return WorkersSnapshot(rows, f"{len(rows)} worker(s) on {broker.shown} at {when}")

    def _resolve(self) -> Broker:
        from ftltui.sites.broker import resolve_broker
        from ftltui.sites.settings import load_site_settings

        settings = self._settings() if self._settings else load_site_settings()
        return resolve_broker(settings=settings)
