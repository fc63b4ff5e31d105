"""A playbook job records each host's duration in the play (hG session 11, finding 6):
``jobs show`` gave every host 0.00s. The duration is the host's span in the run, from
the start of the first task that gave it a result to its last result. Real queue, engine,
files; a ``sleep`` gives a lower bound (not a speed check) and the job's own start and end
an upper one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.cli import main
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import Job, JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook
from ftltui.state import StateStore

BOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: wait a little on l1
      command: sleep 0.4
      when: inventory_hostname == 'l1'
    - name: then both
      command: /bin/true
"""


async def _run_job(state: Path, inv: Path, book: Path) -> Job:
    store = StateStore.open(state)
    q = JobQueue(store, executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        return await q.wait((await enqueue_playbook(q, book)).id)
    finally:
        await q.stop()
        store.close()


def test_each_host_of_a_playbook_job_has_its_duration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_connection: local\n  hosts:\n    l1: {}\n    l2: {}\n")
    book = tmp_path / "site.yml"
    book.write_text(BOOK)
    state = tmp_path / "state"
    job = asyncio.run(_run_job(state, inv, book))
    assert job.state == "succeeded", job.reason
    durations = {h: e["attempts"][-1]["duration"] for h, e in job.per_host.items()}
    wall = job.updated - job.created  # queued to finished: longer than any host's span
    assert 0.4 <= durations["l1"] <= wall, (durations, wall)
    assert 0 < durations["l2"] <= wall, (durations, wall)
    assert main(["jobs", "show", str(job.id), "--state-dir", str(state)]) == 0
    shown = capsys.readouterr().out
    assert f"{durations['l1']:.2f}s" in shown and "0.00s" not in shown, shown
