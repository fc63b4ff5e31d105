"""A playbook job that failed in a ``no_log: true`` task says which host and task failed
and that the output is hidden by no_log, in ansible-playbook's words (its result line is
``"censored": "the output has been hidden due to the fact that 'no_log: true' was specified
for this result"``), where the reason said only "failed". Real queue, engine and files."""

from __future__ import annotations

from pathlib import Path

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook
from ftltui.state import StateStore

HIDDEN = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
BOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: set the secret
      command: /bin/false
      no_log: true
"""


async def test_a_no_log_failure_names_host_task_and_why_nothing_shows(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n")
    book = tmp_path / "site.yml"
    book.write_text(BOOK)
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        job = await q.wait((await enqueue_playbook(q, book)).id)
    finally:
        await q.stop()
    assert job.state == "failed"
    assert f"l1: set the secret: failed ({HIDDEN})" in job.reason, job.reason
