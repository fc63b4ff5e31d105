"""Read-only sessions and protected groups in the console core (issue 16).

A real :class:`ConsoleSession` on a real state dir: every write operation of a read-only
session raises ``ReadOnlyRefusal`` and leaves the store as it was; the inventory's
``ftl_tui_readonly`` makes a writable session read-only once loaded; a run, workflow or
playbook on hosts of a protected group needs ``confirmed=True`` and the refusal names the
host count. Local hosts only (``ansible_connection: local``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from guardinv import guard_inventory

from ftltui.console import ConsoleSession
from ftltui.console.guard import Guard, ProtectedConfirmationRequired, ReadOnlyRefusal
from ftltui.console.job_actions import ACTIONS
from ftltui.inventory import load_inventory

WORKFLOW = """\
name: wf
steps:
  - name: one
    module: ping
    hosts: all
"""
PLAYBOOK = """\
- hosts: dev
  gather_facts: false
  tasks:
    - ping:
- hosts: prod
  gather_facts: false
  tasks:
    - ping:
"""


async def _session(tmp_path: Path, guard: Guard, extra: str = "") -> ConsoleSession:
    session = ConsoleSession(tmp_path / "state", guard=guard, clock=lambda: 1_700_000_000.0)
    await session.open()
    session.set_inventory(load_inventory([str(guard_inventory(tmp_path, extra))]))
    return session


async def _every_write(session: ConsoleSession, tmp_path: Path, job_id: int) -> list[str]:
    """Try every write the session offers; the actions each one refused."""
    wf = tmp_path / "wf.yml"
    wf.write_text(WORKFLOW)
    pb = tmp_path / "site.yml"
    pb.write_text(PLAYBOOK)
    attempts = {
        "run": lambda: session.submit_run("all", "ping"),
        "workflow": lambda: session.submit_workflow(str(wf)),
        "play": lambda: session.submit_playbook(str(pb)),
        "drift scan": lambda: session.submit_drift_scan("all"),
        **{f"job {a}": (lambda a=a: session.job_action(a, job_id)) for a in ACTIONS},
        "cancel": lambda: session.cancel(job_id),
        "retry": lambda: session.retry(job_id),
        "rerun": lambda: session.rerun_failed(job_id),
        "requeue": lambda: session.requeue(job_id),
        "purge": lambda: session.purge(job_id),
    }
    refused = []
    for name, attempt in attempts.items():
        with pytest.raises(ReadOnlyRefusal) as info:
            await attempt()
        assert "read-only" in str(info.value)
        refused.append(name)
    for name, sync in (("drift baseline", lambda: session.drift_pin("all")),
                       ("drift accept", lambda: session.drift_accept("all"))):
        with pytest.raises(ReadOnlyRefusal):
            sync()
        refused.append(name)
    return refused


def test_a_readonly_session_refuses_every_write_and_changes_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        # a job from a writable session first, so the job actions have something to act on
        writer = await _session(tmp_path, Guard())
        job = await writer.submit_run("dev", "ping")
        assert writer.queue is not None
        await writer.queue.wait(job.id)
        await writer.close()

        session = await _session(tmp_path, Guard(readonly=True))
        try:
            assert session.readonly and job.id in session.jobs
            before = {j.id: j.state for j in session.jobs.values()}
            refused = await _every_write(session, tmp_path, job.id)
            assert len(refused) == 4 + 2 * len(ACTIONS) + 2
            assert {j.id: j.state for j in session.jobs.values()} == before
            assert session.queue is not None and [j.id for j in session.queue.list()] == [job.id]
            # looking still works
            assert session.jobs[job.id].state == "succeeded"
            assert await session.drift_report_async("all") is not None
        finally:
            await session.close()

    asyncio.run(main())


def test_the_inventory_makes_a_session_readonly(tmp_path: Path) -> None:
    async def main() -> None:
        session = await _session(tmp_path, Guard(), extra="    ftl_tui_readonly: true")
        try:
            assert session.readonly
            assert "ftl_tui_readonly" in session.policy.why
            with pytest.raises(ReadOnlyRefusal, match="ftl_tui_readonly"):
                await session.submit_run("dev", "ping")
            # the inventory can only add restrictions: a writable inventory swapped in lifts its own
            session.set_inventory(load_inventory([str(guard_inventory(tmp_path / "..", ""))]))
            assert not session.readonly
        finally:
            await session.close()

    asyncio.run(main())


def test_protected_groups_need_confirmation_naming_the_host_count(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yml"
    wf.write_text(WORKFLOW)
    pb = tmp_path / "site.yml"
    pb.write_text(PLAYBOOK)

    async def main() -> None:
        session = await _session(tmp_path, Guard(), extra="    ftl_tui_protected_groups: prod")
        try:
            assert session.policy.protected_groups == ("prod",)
            with pytest.raises(ProtectedConfirmationRequired) as info:
                await session.submit_run("all", "ping")
            assert info.value.touch.hosts == ("p1", "p2")
            assert "This run touches 2 hosts in protected group prod" in str(info.value)
            with pytest.raises(ProtectedConfirmationRequired, match="touches 1 host in"):
                await session.submit_run(["d1", "p2"], "ping")
            with pytest.raises(ProtectedConfirmationRequired, match="touches 2 hosts"):
                await session.submit_workflow(str(wf))
            with pytest.raises(ProtectedConfirmationRequired, match="touches 2 hosts"):
                await session.submit_playbook(str(pb))
            assert session.queue is not None and session.queue.list() == []  # nothing queued
            dev = await session.submit_run("dev", "ping")  # no protected host: no question
            play = await session.submit_playbook(str(pb), {"limit": "dev"})  # --limit keeps it off prod
            confirmed = await session.submit_run("all", "ping", confirmed=True)
            assert sorted(confirmed.hosts) == ["d1", "p1", "p2"]
            for job in (dev, play, confirmed):
                assert (await session.queue.wait(job.id)).state == "succeeded"
        finally:
            await session.close()

    asyncio.run(main())


def test_the_face_flag_and_the_inventory_add_up() -> None:
    guard = Guard(protected_groups=["db"])

    class Inv:  # the two attributes the guard reads
        class G:
            vars = {"ftl_tui_protected_groups": ["prod", "db"], "ftl_tui_readonly": "no"}

        groups = {"all": G()}

    policy = guard.policy(Inv())
    assert policy.protected_groups == ("db", "prod") and not policy.readonly
    assert Guard(readonly=True).policy(None).why == "--readonly"
