"""Fixtures for schedule tests: a real state store in a temp dir and a fake clock."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from ftltui.schedule.model import ScheduleBook
from ftltui.state import StateStore

from schedule_helpers import FakeClock


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore.open(tmp_path / "state")
    yield store
    store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)  # 2027-01-15 08:00:00 UTC


@pytest.fixture
def book(state: StateStore, clock: FakeClock) -> ScheduleBook:
    return ScheduleBook(state, clock=clock.now)
