"""A second session attached to the owner of a state directory (issue 16).

The owner is a real :class:`ConsoleSession` serving its API (as the console does); the
attached one is a :class:`RemoteConsoleSession` on the same directory, in the same loop.
Runs submitted on either side show in both feeds with the same records; job actions
from the attached side are the owner's (drift through an attached console is in
tests/tui/test_pilot_attach.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ftltui.api.session_server import serve_session
from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.inventory import load_inventory
from ftltui.jobs.logfile import LoggedOutput

SOURCES = ["localhost,"]  # localhost runs in-process


class Pair:
    def __init__(self, owner: ConsoleSession, attached: RemoteConsoleSession) -> None:
        self.owner = owner
        self.attached = attached
        self.seen: dict[str, list[up.ViewUpdate]] = {"owner": [], "attached": []}
        owner.subscribe(self.seen["owner"].append)
        attached.subscribe(self.seen["attached"].append)

    async def until(self, side: str, pred: Any) -> None:
        for _ in range(2000):  # a guard against a hang, not a speed check
            if any(pred(u) for u in self.seen[side]):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{side}: never saw it; got {self.seen[side][-5:]}")

    def lines(self, side: str, job_id: int) -> list[str]:
        return [u.text for u in self.seen[side] if isinstance(u, up.OutputText) and u.job_id == job_id]


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    state = tmp_path / "state"
    owner = ConsoleSession(state, inventory=load_inventory(SOURCES))
    await owner.open()
    server = await serve_session(owner, SOURCES)
    assert server is not None
    attached = RemoteConsoleSession(state)
    await attached.open()
    await attached.reload_inventory(["ignored,"])  # the owner's inventory wins: what is shown is what runs
    yield Pair(owner, attached)
    await attached.close()
    await server.close()
    await owner.close()


def ended(job_id: int, state: str = "succeeded") -> Any:
    return lambda u: isinstance(u, up.JobChanged) and u.job_id == job_id and u.state == state


async def test_runs_from_either_side_show_live_in_both(pair: Pair) -> None:
    assert pair.attached.attached_pid > 0 and not pair.attached.owns_jobs
    assert pair.attached.inventory is not None and list(pair.attached.inventory.hosts) == ["localhost"]
    from_owner = await pair.owner.submit_run("localhost", "shell", {"cmd": "echo from-owner"})
    await pair.until("attached", ended(from_owner.id))
    from_attached = await pair.attached.submit_run("localhost", "shell", {"cmd": "echo from-attached; exit 3"})
    await pair.until("owner", ended(from_attached.id, "failed"))
    await pair.until("attached", ended(from_attached.id, "failed"))
    for job_id, text in ((from_owner.id, "from-owner"), (from_attached.id, "from-attached")):
        assert pair.lines("attached", job_id) == pair.lines("owner", job_id) == [text]
        mine, theirs = pair.attached.jobs[job_id], pair.owner.jobs[job_id]
        assert (mine.state, mine.title, mine.kind, mine.hosts) == (theirs.state, theirs.title, theirs.kind, theirs.hosts)
    assert pair.attached.host_results(pair.attached.jobs[from_attached.id]) == {"localhost": "failed"}
    assert pair.attached.running() == pair.owner.running() == 0

    # a job action of the attached console is the owner's: the same JobActions, the same words
    result = await pair.attached.job_action("retry", from_attached.id)
    assert result.done and result.new_job is not None
    assert result.message == f"job {result.new_job.id} queued (retry of {from_attached.id})"
    await pair.until("owner", ended(result.new_job.id, "failed"))
    assert pair.owner.jobs[result.new_job.id].parent == from_attached.id
    history = await pair.attached.job_history(from_attached.id, 100)
    assert any(isinstance(r, LoggedOutput) and r.text == "from-attached" for r in history.records)


async def test_a_workflow_from_the_attached_side_is_the_owners(pair: Pair, tmp_path: Path) -> None:
    workflow = tmp_path / "wf.yml"
    workflow.write_text("name: one\nhosts: localhost\nsteps:\n  - name: say\n    module: command\n"
                        "    args: \"echo from-a-workflow\"\n")
    job = await pair.attached.submit_workflow(str(workflow))
    await pair.until("attached", ended(job.id))
    assert pair.owner.jobs[job.id].kind == pair.attached.jobs[job.id].kind == "workflow"
    assert pair.lines("attached", job.id) == pair.lines("owner", job.id) == ["from-a-workflow"]
    assert [(u.step, u.state) for u in pair.seen["attached"] if isinstance(u, up.StepChanged)] == \
        [(u.step, u.state) for u in pair.seen["owner"] if isinstance(u, up.StepChanged)]
    assert pair.attached.workflow_steps(pair.attached.jobs[job.id]) == {"say": {"state": "succeeded", "needs": []}}


async def test_the_owner_going_away_is_said_once(pair: Pair) -> None:
    assert pair.attached.client is not None
    pair.attached.client.writer.transport.abort()  # as when the owner's process dies: the socket closes
    await pair.until("attached", lambda u: isinstance(u, up.OwnerNotice) and u.lost)
    assert next(u for u in pair.seen["attached"] if isinstance(u, up.OwnerNotice)).pid == pair.attached.attached_pid
    with pytest.raises(Exception, match="owner"):
        await pair.attached.submit_run("localhost", "ping")


def test_a_console_that_fell_behind_is_told_and_re_reads(tmp_path: Path) -> None:
    """The owner (a daemon process) floods this console's live view while its loop is
    blocked: the events are dropped, not queued without bound; once it reads again it
    gets a "dropped" notice (even though the job's last events were among the dropped)
    and re-reads the job's record, so it shows the job finished."""
    import json
    import signal
    import subprocess
    import sys
    import time

    state = tmp_path / "state"
    daemon = subprocess.Popen([sys.executable, "-m", "ftltui", "daemon", "-i", "localhost,", "--state-dir", str(state)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finished(job_id: int) -> bool:
        try:
            lines = (state / "logs" / f"{job_id}.jsonl").read_text().splitlines()
        except FileNotFoundError:
            return False
        for line in lines[-3:]:
            try:  # the daemon may be writing the last line right now: half a line is no answer yet
                if json.loads(line).get("state") == "succeeded":
                    return True
            except ValueError:
                continue
        return False

    async def scenario() -> tuple[list[up.ViewUpdate], str]:
        attached = RemoteConsoleSession(state)
        seen: list[up.ViewUpdate] = []
        attached.subscribe(seen.append)
        await attached.open()
        await attached.reload_inventory([])
        job = await attached.submit_run("localhost", "shell", {"cmd": "seq 1 20000"})
        deadline = time.monotonic() + 300  # a guard against a hang, not a speed check
        while not finished(job.id):  # this loop reads nothing meanwhile: the owner must drop
            assert time.monotonic() < deadline
            time.sleep(0.1)  # noqa: ASYNC251 - blocking on purpose: the loop must not read
        for _ in range(3000):
            if attached.jobs[job.id].state == "succeeded" and any(isinstance(u, up.OwnerNotice) for u in seen):
                break
            await asyncio.sleep(0.02)
        state_now = attached.jobs[job.id].state
        await attached.close()
        return seen, state_now

    try:
        deadline = time.monotonic() + 60
        while not (state / "api.sock").exists():
            assert daemon.poll() is None and time.monotonic() < deadline, daemon.communicate()
            time.sleep(0.05)
        seen, state_now = asyncio.run(scenario())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    notices = [u for u in seen if isinstance(u, up.OwnerNotice)]
    assert notices and not any(n.lost for n in notices) and "update(s) were not sent" in notices[0].message
    assert state_now == "succeeded"
    assert len([u for u in seen if isinstance(u, up.OutputText)]) < 20000  # dropped, not buffered without bound
