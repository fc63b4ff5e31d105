"""Serving the API from a console session: a console that owns its state directory is
an owner like the daemon, so other ``ftl-tui`` commands become its clients and their
jobs show in the console live (they are jobs of the session's own queue).

Uses only the session's public surface (``queue``, ``state_dir``, ``warning``); a face
(the TUI) calls :func:`serve_session` after the session opened and closes the server
before the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.api.local_operations import LocalOperations
from ftltui.api.operations import OwnerInfo, Unsubscribe, inventory_key
from ftltui.api.server import ApiServer
from ftltui.console import updates as up
from ftltui.console.results import BaselineRequest
from ftltui.console.schedules import ScheduleDesk, SchedulesChanged
from ftltui.engine.sanitize import safe_text
from ftltui.vault import VaultKeyring, VaultSecret

if TYPE_CHECKING:
    from ftltui.console.session import ConsoleSession


class SessionOperations(LocalOperations):
    """The session's queue, read-only whenever the session is: the console's ``--readonly``
    or the inventory's ``ftl_tui_readonly`` (the server asks :meth:`info` before each write)."""

    def __init__(self, session: ConsoleSession, *, inventory_sources: Sequence[str] = (),
                 readonly: bool = False) -> None:
        assert session.queue is not None
        super().__init__(session.queue, inventory_sources=inventory_sources, readonly=readonly)
        self.session = session
        self.desk = ScheduleDesk.of(session)  # the one the console's view and firing loop use
        self._unsubscribe_desk = self.desk.subscribe(self._desk_changed)

    def subscribe_drift(self, sink: Callable[[str], None]) -> Unsubscribe:
        """The session's :class:`~ftltui.console.updates.DriftChanged`: an accept or a pin
        (by its own console or any client) or a scan's end, so every attached Drift pane
        re-reads (review hQ #5)."""
        def on_update(update: up.ViewUpdate) -> None:
            if isinstance(update, up.DriftChanged):
                sink(update.reason)

        return self.session.subscribe(on_update)

    def subscribe_pause_held(self, sink: Callable[[int], None]) -> Unsubscribe:
        """The session's held :class:`~ftltui.console.updates.PauseWaiting` (its own console
        or a client held the pause), so every attached console shows it held live."""
        def on_update(update: up.ViewUpdate) -> None:
            if isinstance(update, up.PauseWaiting) and update.held:
                sink(update.job_id)

        return self.session.subscribe(on_update)

    async def accept_vault(self, secrets: Sequence[VaultSecret]) -> None:
        """Vault passwords a client read (``jobs retry --ask-vault-pass`` through this owner):
        added to the keyring the session's inventory was read with (a new one if none) and
        the inventory read again with them, so the re-run's values decrypt. Kept, as the
        console keeps a password typed into it, for the session's life; never logged,
        stored or shown (session 11, defect 5)."""
        session = self.session
        keyring = session.vault or getattr(session.inventory, "vault", None) or VaultKeyring()
        new = [s for s in secrets if not any(k.vault_id == s.vault_id and k.password == s.password
                                             for k in keyring.secrets)]
        for secret in new:
            keyring.add(secret)
        session.vault = keyring
        if new and self.inventory_sources:  # a client's play sends its passwords each time: read again once
            await session.reload_inventory(list(self.inventory_sources))

    def info(self) -> OwnerInfo:
        info = super().info()
        return replace(info, readonly=info.readonly or self.session.readonly)

    def list_jobs(self, states: Sequence[str]) -> list[dict[str, Any]]:
        """The rows, a job waiting at a pause noted so (``jobs list``: the owner's word)."""
        rows = super().list_jobs(states)
        for row in rows:
            waiting = self.session.pauses.waiting(row["id"])
            if waiting:
                row["state_note"] = safe_text(waiting[0].describe(time.time()), 300)  # remote text: plain
        return rows

    def show_job(self, job_id: int) -> dict[str, Any]:
        """The record, with ``waiting`` (what the job waits for) and ``pause`` while it waits at one."""
        doc = super().show_job(job_id)
        waiting = self.session.pauses.waiting(job_id)
        if waiting:
            doc["waiting"] = waiting[0].describe(time.time())
            doc["pause"] = asdict(waiting[0])
        return doc

    def schedules_changed(self, reason: str) -> None:
        """A client edited the schedules (api/schedule_ops.py): the session's desk wakes
        its firing loop and tells its subscribers: the console's view and, through
        :meth:`_desk_changed`, the attached views."""
        self.desk.changed(reason)

    async def drift_accept(self, pattern: str, reason: str) -> dict[str, Any]:
        """The session's own accept: its console's drift pane follows (DriftChanged)."""
        accepted = await self.session.drift_accept_async(pattern, reason)
        return {"changes": accepted.changes, "message": accepted.message}

    async def drift_baseline(self, request: BaselineRequest) -> dict[str, Any]:
        """The session's own op: its console's drift pane follows (DriftChanged)."""
        return {"pins": [p.to_dict() for p in await self.session.drift_baseline(request)]}

    def _desk_changed(self, changed: SchedulesChanged) -> None:
        self.announce_schedules(changed.reason)

    def close(self) -> None:
        """Stop hearing the desk: it is the session's and outlives this server (a console
        that serves again, after a takeover, subscribes a new one)."""
        self._unsubscribe_desk()


class SessionApiServer(ApiServer):
    """The session's server: closing it also ends its operations' desk subscription."""

    def __init__(self, state_dir: Path, ops: SessionOperations, *, readonly: bool = False) -> None:
        super().__init__(state_dir, ops, readonly=readonly)
        self.session_ops = ops

    async def close(self) -> None:
        await super().close()
        self.session_ops.close()


async def serve_session(session: ConsoleSession, inventory_sources: Sequence[str], *,
                        readonly: bool = False) -> ApiServer | None:
    """The started server, or ``None`` when the session does not own a shared state
    directory (another process did, and it fell back to a private temporary one)."""
    await session.ready()
    if session.queue is None or session.warning is not None:
        return None
    ops = SessionOperations(session, inventory_sources=[inventory_key(s) for s in inventory_sources],
                          readonly=readonly)
    server = SessionApiServer(session.state_dir, ops, readonly=readonly)
    await server.start()
    return server
