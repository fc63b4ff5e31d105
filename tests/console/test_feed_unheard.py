"""The view feed runs only while a face listens: ``ftl-tui daemon`` with no client built a
typed update (and a playbook's live matrix) for every line and host of every job, for
nobody. With no face, a job's host outcomes are still kept (``host_results``) and a pause
still reaches the session's pause desk; a face that subscribes gets every update from then
on. A real session on local hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessionwait import until_seen

from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.inventory import load_inventory

BOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - debug: {msg: hello}
"""
PAUSE = """\
- hosts: l1
  gather_facts: false
  tasks:
    - pause: {minutes: 5}
"""


async def test_no_face_no_view_updates_then_a_face_gets_them(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    l1:\n      ansible_connection: local\n"
                   "    l2:\n      ansible_connection: local\n")
    (tmp_path / "b.yml").write_text(BOOK)
    (tmp_path / "p.yml").write_text(PAUSE)
    async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inv)])) as s:
        book = await s.queue.wait((await s.submit_playbook(str(tmp_path / "b.yml"), {})).id)
        assert book.state == "succeeded" and book.id not in s.play_records  # no matrix built for nobody
        run = await s.queue.wait((await s.submit_run("all", "shell", {"cmd": "echo hi"})).id)
        assert s.host_results(run) == {"l1": "changed", "l2": "changed"}  # outcomes are kept all the same

        paused = await s.submit_playbook(str(tmp_path / "p.yml"), {})  # the pause desk is not a face
        await until_seen([s.pauses], lambda d: d.waiting(paused.id))
        await s.pauses.continue_early(paused.id)
        assert (await s.queue.wait(paused.id)).state == "succeeded"

        seen: list[Any] = []
        s.subscribe(seen.append)  # a face from now on
        book = await s.queue.wait((await s.submit_playbook(str(tmp_path / "b.yml"), {})).id)
        assert book.id in s.play_records
        assert any(isinstance(u, up.PlaybookProgress) and u.job_id == book.id for u in seen)
        run = await s.queue.wait((await s.submit_run("all", "shell", {"cmd": "echo hi"})).id)
        assert {u.host for u in seen if isinstance(u, up.OutputText) and u.job_id == run.id and u.text == "hi"} \
            == {"l1", "l2"}
        assert {(u.host, u.status) for u in seen if isinstance(u, up.HostProgress) and u.job_id == run.id
                and u.result is not None} == {("l1", "changed"), ("l2", "changed")}
