"""Fixtures for the API tests: a real owner (store, executor, queue, server) in this loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ftltui.api.local_operations import LocalOperations
from ftltui.api.server import ApiServer
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.state import StateStore

LOCAL_INVENTORY = "localhost,"  # ansible's inline list; localhost is run in-process


@dataclass
class Owner:
    state_dir: Path
    store: StateStore
    queue: JobQueue
    server: ApiServer


@pytest.fixture
async def owner(tmp_path: Path) -> AsyncIterator[Owner]:
    state_dir = tmp_path / "state"
    store = StateStore.open(state_dir)
    executor = Executor(load_inventory([LOCAL_INVENTORY]))
    queue = JobQueue(store, executor=executor, heartbeat=0.2)
    register_builtin(queue)
    await queue.start()
    server = ApiServer(state_dir, LocalOperations(queue, inventory_sources=[LOCAL_INVENTORY]), hello_timeout=2.0)
    await server.start()
    yield Owner(state_dir, store, queue, server)
    await server.close()
    await queue.stop()
    await executor.close()
    store.close()
