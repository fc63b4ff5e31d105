"""A session used outside its ``async with``: every operation says so at once.

Before, a ``ConsoleSession`` that was never opened waited forever for ``open`` in
``submit_run(..., confirmed=True)`` (docs/readonly.md's example, as first written), and a
closed one handed jobs to a stopped queue. A real state dir, a real local inventory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ftltui.console import ConsoleSession
from ftltui.errors import StateError
from ftltui.inventory import load_inventory

INVENTORY = """\
all:
  hosts:
    one: {}
  vars:
    ansible_connection: local
    ansible_python_interpreter: python3
"""
HANG_GUARD = 30.0  # only for the old code, which never answered: the fix raises before any wait


def _session(tmp_path: Path) -> ConsoleSession:
    inv = tmp_path / "inventory.yml"
    inv.write_text(INVENTORY)
    (tmp_path / "playbook.yml").write_text("- hosts: all\n  tasks:\n    - ping:\n")
    (tmp_path / "flow.yml").write_text("name: f\nhosts: all\nsteps:\n  - name: a\n    module: ping\n")
    return ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inv)]), lock_wait=5.0)


OPS: dict[str, Callable[[ConsoleSession, Path], Awaitable[Any]]] = {
    "run": lambda s, d: s.submit_run("all", "ping", {}, confirmed=True),
    "play": lambda s, d: s.submit_playbook(str(d / "playbook.yml"), confirmed=True),
    "workflow": lambda s, d: s.submit_workflow(str(d / "flow.yml"), confirmed=True),
    "drift scan": lambda s, d: s.submit_drift_scan("all"),
    "requeue": lambda s, d: s.submit_again(1, False),
    "wait": lambda s, d: s.wait(1),
    "purge": lambda s, d: s.purge_finished(0),
    "history": lambda s, d: s.job_history(1, 10),
    "drift accept": lambda s, d: s.drift_accept_async("all"),
    "cancel": lambda s, d: s.cancel(1),
    "job action": lambda s, d: s.job_action("requeue", 1),
}


@pytest.mark.parametrize("op", list(OPS))
async def test_an_unopened_session_refuses_at_once(tmp_path: Path, op: str) -> None:
    session = _session(tmp_path)
    with pytest.raises(StateError, match="never opened.*async with"):
        await asyncio.wait_for(OPS[op](session, tmp_path), HANG_GUARD)
    assert not (tmp_path / "state").exists()  # nothing was opened on the way


@pytest.mark.parametrize("op", list(OPS))
async def test_a_closed_session_refuses_at_once(tmp_path: Path, op: str) -> None:
    session = _session(tmp_path)
    async with session:
        pass
    with pytest.raises(StateError, match="closed"):
        await asyncio.wait_for(OPS[op](session, tmp_path), HANG_GUARD)
    with pytest.raises(StateError, match="closed"):
        await session.ready()


async def test_sync_reads_of_an_unopened_session_say_so(tmp_path: Path) -> None:
    session = _session(tmp_path)
    for read in (lambda: session.drift, lambda: session.watch(lambda e: None),
                 lambda: session.redactor):
        with pytest.raises(StateError, match="never opened"):
            read()


async def test_ready_waits_for_an_open_started_later(tmp_path: Path) -> None:
    """A face may wait before its background worker has called open() (a console taking over)."""
    session = _session(tmp_path)
    waiting = asyncio.ensure_future(session.ready())
    await asyncio.sleep(0)
    assert not waiting.done()
    async with session:
        await waiting


async def test_an_open_session_still_works_after_the_guard(tmp_path: Path) -> None:
    async with _session(tmp_path) as session:
        job = await session.submit_run("all", "ping", {})
        assert (await session.wait(job.id)).state == "succeeded"
