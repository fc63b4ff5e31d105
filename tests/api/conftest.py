"""Fixtures for the API tests: a real owner in this loop, as ``ftl-tui daemon`` and a
console serve one: a :class:`ConsoleSession` (store, executor, queue, drift and schedule
desks) served with :func:`~ftltui.api.session_server.serve_session` (its
``SessionOperations``), so the tests exercise the production path (review hQ #6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ftltui.api.server import ApiServer
from ftltui.api.session_server import serve_session
from ftltui.console.engine_settings import EngineSettings
from ftltui.console.session import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.state import StateStore

LOCAL_INVENTORY = "localhost,"  # ansible's inline list; localhost is run in-process


@dataclass
class Owner:
    state_dir: Path
    store: StateStore
    queue: JobQueue
    server: ApiServer
    session: ConsoleSession


@pytest.fixture
async def owner(tmp_path: Path) -> AsyncIterator[Owner]:
    state_dir = tmp_path / "state"
    session = ConsoleSession(state_dir, inventory=load_inventory([LOCAL_INVENTORY]),
                             engine=EngineSettings(workers=1), lock_wait=0.0)
    await session.open()
    server = await serve_session(session, [LOCAL_INVENTORY])
    assert server is not None and session.queue is not None
    server.hello_timeout = 2.0  # a silent test connection is cut off soon
    yield Owner(state_dir, session.queue.store, session.queue, server, session)
    await server.close()
    await session.close()
