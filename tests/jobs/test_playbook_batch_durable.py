"""A playbook job's hosts are durable as started before a batch's first task runs
(review hR #2): after a crash, a host that ran tasks must read back as started (and so
as lost), never as untouched. The check runs inside the play, in another process that
reads the state directory from disk read-only, as recovery would. Every journal write is
made slow (the real write, after a pause), so a start that is journaled but not awaited
loses the race to the task."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.jobs.playbook_kind import enqueue_playbook
from ftltui.state import StateStore
from ftltui.state.journal import JournalWriter

# play 2 brings a new host (l2); its first task asks the state on disk whether l2 is there
PLAYBOOK = """\
- hosts: l1
  gather_facts: false
  tasks:
    - debug: msg=one
- hosts: l1:l2
  gather_facts: false
  tasks:
    - name: the disk knows this host started
      command: "{python} {script} {state} {{{{ inventory_hostname }}}}"
"""

CHECK = """\
import sys
from ftltui.state import StateStore
store = StateStore.open(sys.argv[1], readonly=True)
found = any(sys.argv[2] in (j.get("per_host") or {}) for j in store.table("jobs").all())
sys.exit(0 if found else 3)
"""


async def test_a_batchs_hosts_are_durable_before_its_first_task(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = JournalWriter._write

    def slow_disk(self: JournalWriter, batch: list[Any]) -> None:
        time.sleep(0.3)
        real(self, batch)

    monkeypatch.setattr(JournalWriter, "_write", slow_disk)
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_python_interpreter: python3\n  hosts:\n"
                   "    l1:\n      ansible_connection: local\n    l2:\n      ansible_connection: local\n")
    state, script, book = tmp_path / "state", tmp_path / "check.py", tmp_path / "site.yml"
    script.write_text(CHECK)
    book.write_text(PLAYBOOK.format(python=sys.executable, script=script, state=state))
    q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    await q.start()
    try:
        job = await enqueue_playbook(q, book)
        job = await q.wait(job.id)
        assert job.state == "succeeded", (job.state, job.per_host)
        assert set(job.per_host) == {"l1", "l2"}
    finally:
        await q.stop()
