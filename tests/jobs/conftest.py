"""Fixtures for the job tests: a real store in a temp dir and a scripted job kind."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from ftltui.jobs import JobQueue
from ftltui.state import StateStore


from jobs_helpers import scripted


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[JobQueue]:
    store = StateStore.open(tmp_path / "state")
    q = JobQueue(store, concurrency=4, per_host=1, grace=0.2, heartbeat=0.05)
    q.register_kind("scripted", scripted)
    await q.start()
    yield q
    await q.stop()
    store.close()
