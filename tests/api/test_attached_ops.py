"""What an attached console asks of its owner (issue 16 review), on a real owner (a
queue and API server, as ``ftl-tui daemon`` serves).

* Its drift accept is the owner's ``drift.accept``: the owner appends the entries to its
  own ignore file; the attached session writes nothing itself (its direct accept is
  refused), and a read-only client is refused the op.
* Read-only is one policy: an owner that serves the console read-only makes its
  ``policy``, ``readonly`` and every ``check_write`` (a schedule edit's too) say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ftltui.api.client import ApiClient, ApiError
from ftltui.console.guard import ReadOnlyRefusal
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.console.schedules import ScheduleDesk
from ftltui.drift.model import Resource
from ftltui.drift.store import open_store
from ftltui.errors import FtlError
from ftltui.inventory import load_inventory


def _drift(owner: Any) -> None:
    """Two snapshots of localhost that differ: a user appeared."""
    store = open_store(owner.state_dir, state=owner.store)
    root = Resource("user", "root", {"uid": 0})
    store.save("localhost", [root], time=100.0, collector_version="1")
    store.save("localhost", [root, Resource("user", "eve", {"uid": 1002})], time=200.0, collector_version="1")


async def test_an_attached_sessions_accept_is_made_by_the_owner(owner: Any) -> None:
    _drift(owner)
    ignore = owner.state_dir / "drift.ignore"
    session = RemoteConsoleSession(owner.state_dir)
    await session.open()
    try:
        session.set_inventory(load_inventory(["localhost,"]))
        with pytest.raises(FtlError, match="owner"):
            session.drift_accept("all")  # never a direct write of the owner's file
        assert not ignore.exists()
        accepted = await session.drift_accept_async("all", "eve joined")
        assert accepted.changes == 1
        text = ignore.read_text()
        assert "eve" in text and "reason='eve joined'" in text
    finally:
        await session.close()


async def test_a_readonly_client_is_refused_drift_accept(owner: Any, tmp_path: Path) -> None:
    _drift(owner)
    async with await ApiClient.connect(owner.state_dir, readonly=True) as client:
        with pytest.raises(ApiError) as exc:
            await client.request("drift.accept", pattern="all")
        assert exc.value.code == "readonly"
    assert not (owner.state_dir / "drift.ignore").exists()


async def test_a_readonly_owner_makes_the_attached_session_readonly_everywhere(owner: Any) -> None:
    owner.server.readonly = True  # as `ftl-tui daemon --readonly` serves
    session = RemoteConsoleSession(owner.state_dir)
    await session.open()
    try:
        policy = session.policy
        assert policy.readonly and session.readonly and f"pid {session.attached_pid}" in policy.why
        with pytest.raises(ReadOnlyRefusal, match="read-only"):
            session.check_write("run")
        with pytest.raises(ReadOnlyRefusal):
            await ScheduleDesk.of(session).add("@hourly", ["run", "localhost", "-m", "ping"])
        with pytest.raises(ReadOnlyRefusal):
            await session.drift_accept_async("all")
    finally:
        await session.close()


async def test_drift_accept_with_a_newline_in_the_reason_is_a_bad_request(owner: Any) -> None:
    """Any client of the socket may send a reason: one with a newline would split the
    owner's ignore-file entry and break every later report (review hQ #2)."""
    _drift(owner)
    async with await ApiClient.connect(owner.state_dir) as client:
        with pytest.raises(ApiError) as exc:
            await client.request("drift.accept", pattern="all", reason="x\ny")
        assert exc.value.code == "bad_request" and "control character" in str(exc.value)
    assert not (owner.state_dir / "drift.ignore").exists()
