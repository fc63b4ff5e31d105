"""A console session as the owner: a real ``ftl-tui run`` in another process becomes a
job of the session's queue, its updates reach the session's feed live, and the command
prints what it prints alone."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ftltui.api.session_server import serve_session
from ftltui.console.session import ConsoleSession
from ftltui.inventory import load_inventory

INVENTORY = "localhost,"


async def ftl_run(state: Path, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "ftltui", "run", *args, "-i", INVENTORY,
                                                "--state-dir", str(state), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, _err = await asyncio.wait_for(proc.communicate(), 120)
    return int(proc.returncode or 0), out.decode()


async def test_cli_run_is_a_job_of_the_console_session(tmp_path: Path) -> None:
    state = tmp_path / "state"
    updates: list[object] = []
    async with ConsoleSession(state, inventory=load_inventory([INVENTORY])) as session:
        session.subscribe(updates.append)
        server = await serve_session(session, [INVENTORY])
        assert server is not None
        try:
            code, out = await ftl_run(state, "localhost", "-a", "echo from-cli")
        finally:
            await server.close()
        jobs = list(session.jobs.values())
    alone_code, alone_out = await ftl_run(tmp_path / "alone", "localhost", "-a", "echo from-cli")
    assert (code, out) == (alone_code, alone_out) and code == 0 and "from-cli" in out
    assert [j.title for j in jobs] == ["command on localhost"] and jobs[0].state == "succeeded"
    assert any(getattr(u, "job_id", None) == jobs[0].id for u in updates)  # the console saw it live


async def test_a_session_on_a_private_store_does_not_serve(tmp_path: Path) -> None:
    from ftltui.state import StateStore

    state = tmp_path / "state"
    holder = StateStore.open(state)  # another process's role: the session falls back to a temp dir
    try:
        async with ConsoleSession(state, inventory=load_inventory([INVENTORY])) as session:
            assert await serve_session(session, [INVENTORY]) is None
    finally:
        holder.close()
    assert not (state / "api.sock").exists()


async def test_closing_the_server_ends_its_schedule_desk_subscription(tmp_path: Path) -> None:
    """The desk is the session's and outlives the server: a closed server's operations stop
    hearing it (they were subscribed for good, so each serve added a listener)."""
    from ftltui.api.session_server import SessionOperations
    from ftltui.console.schedules import ScheduleDesk

    heard: list[str] = []
    async with ConsoleSession(tmp_path / "state", inventory=load_inventory([INVENTORY])) as session:
        server = await serve_session(session, [INVENTORY])
        assert server is not None and isinstance(server.ops, SessionOperations)
        server.ops.subscribe_schedules(heard.append)
        desk = ScheduleDesk.of(session)
        desk.changed("while served")
        await server.close()
        desk.changed("after close")
    assert heard == ["while served"]
