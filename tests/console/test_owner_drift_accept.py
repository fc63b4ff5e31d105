"""An owner's drift accept (issue 16 review hQ #1, #2), on a real ConsoleSession and its
real state dir:

* the accept runs off the owner's loop: other coroutines (client streams, the queue)
  keep running while the report is built and the ignore file is written;
* a reason with a newline (or another control character) is refused before anything is
  written, by the session and by ``ftl-tui drift accept`` (exit 5), and a host's own text
  with a newline (a file named so) is escaped: the ignore file stays parseable.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.cli import main
from ftltui.console import ConsoleSession
from ftltui.drift.ignore import load_ignore
from ftltui.drift.model import Resource
from ftltui.drift.store import open_store
from ftltui.errors import DriftConfigError
from ftltui.inventory import load_inventory

ODD_ID = "/tmp/odd\nname"  # a remote file whose name holds a newline


def _drift(session: ConsoleSession) -> None:
    """Two snapshots of localhost that differ: a user and an oddly named file appeared."""
    assert session.queue is not None
    store = open_store(session.state_dir, state=session.queue.store)
    root = Resource("user", "root", {"uid": 0})
    store.save("localhost", [root], time=100.0, collector_version="1")
    store.save("localhost", [root, Resource("user", "eve", {"uid": 1002}), Resource("file", ODD_ID, {"mode": "0644"})],
               time=200.0, collector_version="1")


async def test_accept_runs_off_the_loop_refuses_a_newline_and_keeps_the_file_parseable(tmp_path: Path) -> None:
    async with ConsoleSession(tmp_path / "state", inventory=load_inventory(["localhost,"])) as session:
        _drift(session)
        ignore = session.state_dir / "drift.ignore"
        with pytest.raises(DriftConfigError, match="control character"):
            await session.drift_accept_async("all", "first line\nsecond line")
        assert not ignore.exists()

        ticks = 0
        done = False

        async def ticker() -> None:  # stands for every other client of the owner's loop
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        before = ticks
        accepted = await session.drift_accept_async("all", "eve joined")
        during = ticks - before
        done = True
        await task
        assert during > 0  # the loop ran other work while the accept was in flight
        assert accepted.changes == 2
        rules = load_ignore(ignore)  # one line per entry: parses
        assert {r.reason for r in rules} == {"eve joined"}
        assert (await session.drift.report_async("all")).changes == []  # the odd name is accepted too


def test_cli_accept_refuses_a_reason_with_a_newline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    code = main(["drift", "accept", "-i", "localhost,", "--state-dir", str(state), "--reason", "a\nb"])
    assert code == 5
    assert "--reason: expected one line of text" in capsys.readouterr().err
    assert not (state / "drift.ignore").exists()
