"""Fixtures for module tests."""

from __future__ import annotations

import threading
from typing import Callable, List, Tuple

import pytest


@pytest.fixture
def lines() -> Tuple[List[Tuple[str, str]], Callable[[str, str], None]]:
    """A list that collects emitted (stream, text) pairs, and the emit function."""
    got: List[Tuple[str, str]] = []
    lock = threading.Lock()

    def emit(stream: str, text: str) -> None:
        with lock:
            got.append((stream, text))

    return got, emit
