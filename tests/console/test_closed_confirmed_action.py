"""hV2 finding 6: ``confirmed_job_action`` (the protected-group dialog's ``y``) reached the
queue of a closed session unguarded and answered "job N is still ..." or "no job N"; now it
raises StateError as ``job_action`` and ``cancel`` do. A real state dir and session.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.console import ConsoleSession
from ftltui.errors import StateError
from ftltui.inventory import load_inventory


def test_confirmed_job_action_on_a_closed_session_raises(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def scenario() -> None:
        session = ConsoleSession(tmp_path / "st", inventory=load_inventory([str(inv)]))
        async with session as s:
            job = await s.submit_run("h1", "command", {"_raw_params": "true"})
            assert s.queue is not None
            await s.queue.wait(job.id)
        for action in ("retry", "requeue", "purge"):
            with pytest.raises(StateError, match="session is closed"):
                await session.confirmed_job_action(action, job.id)

    asyncio.run(scenario())
