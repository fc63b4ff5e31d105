"""Fixtures for the become suite: the real sshd bed with its sudoers rules, an executor per test."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from become_helpers import inventory_for
from testbed import SUDOERS


@pytest.fixture(autouse=True)
def _needs_sudo() -> None:
    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed (apt-get install sudo)")


@pytest.fixture
def bed_sudoers(sshbed: Any) -> Path:
    """The bed's sudoers rules are in place (the bed writes them when sudo exists)."""
    if not SUDOERS.exists():
        sshbed._ensure_become()
    return SUDOERS


@pytest.fixture
async def become_executor(tmp_path: Path, bed_sudoers: Path) -> AsyncIterator[Callable[..., Executor]]:
    made: list[Executor] = []

    def make(bed: Any, hosts: dict[str, dict[str, Any]], **kw: Any) -> Executor:
        inv = inventory_for(tmp_path / f"inv{len(made)}.json", bed, {k: dict(v) for k, v in hosts.items()})
        ex = Executor(load_inventory([str(inv)]), forks=kw.pop("forks", 20), **kw)
        made.append(ex)
        return ex

    yield make
    for ex in made:
        await ex.close()
