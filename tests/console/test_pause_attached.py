"""issue 15: a playbook job waiting at a ``pause`` is a typed state of the job in the console
core, for the owner's session and an attached one alike. The owner is a real
:class:`ConsoleSession` serving its API; the attached :class:`RemoteConsoleSession` comes
after the first pause began (it learns it with ``pause.list``), answers a private prompt,
continues a timed pause early through the owner's ops; then cancelling the job ends a
prompt's wait. The private answer reaches the run and never the owner's state directory."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sessionwait import serving_owner, until_seen

from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.inventory import load_inventory

SOURCES = ["localhost,"]  # localhost runs in-process
SECRET = "attached-pause-s3cret"
PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: ask
      pause: {prompt: "Token", echo: false}
      register: asked
    - copy: {dest: "{{ out }}/answer", content: "{{ asked.user_input }}"}
    - name: wait
      pause: {minutes: 5}
    - name: never answered
      pause: {prompt: "Anyone?"}
    - copy: {dest: "{{ out }}/never", content: "answered\\n"}
"""


def _waits(task: str) -> Any:
    return lambda u: isinstance(u, up.PauseWaiting) and u.task == task


async def test_attached_session_answers_continues_and_a_cancel_ends_the_wait(tmp_path: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    out.mkdir()
    (tmp_path / "p.yml").write_text(PLAYBOOK)
    owner, owner_seen, server = await serving_owner(state, SOURCES)
    attached = RemoteConsoleSession(state)
    try:
        job = await owner.submit_playbook(str(tmp_path / "p.yml"), {"extra_vars": {"out": str(out)}})
        first = await until_seen(owner_seen, _waits("ask"))
        assert (first.job_id, first.private, first.prompt, first.seconds) == (job.id, True, "Token", None)
        seen: list[Any] = []
        attached.subscribe(seen.append)
        await attached.open()
        assert [w.task for w in attached.pauses.waiting(job.id)] == ["ask"]  # it began before we attached
        await attached.pauses.answer(job.id, SECRET)
        timed = await until_seen(seen, _waits("wait"))
        assert timed.seconds == 300 and timed.ends_at is not None and timed.seconds_left(timed.ends_at - 12) == 12
        await attached.pauses.continue_early(job.id)
        await until_seen(seen, _waits("never answered"))
        assert [w.task for w in owner.pauses.waiting()] == ["never answered"]
        await owner.cancel(job.id)
        ended = await until_seen(seen, lambda u: isinstance(u, up.JobChanged) and u.job_id == job.id
                             and u.state == "cancelled")
        assert ended.job is not None
        await until_seen(owner_seen, lambda u: isinstance(u, up.PauseEnded) and u.action == "cancelled")
        assert owner.pauses.waiting() == [] and [u.action for u in owner_seen if isinstance(u, up.PauseEnded)] == [
            "answered", "continued", "cancelled"]
    finally:
        await attached.close()
        await server.close()
        await owner.close()
    assert (out / "answer").read_text() == SECRET and not (out / "never").exists()
    leaked = [p for p in state.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []


FREE = """\
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - name: who
      pause: {prompt: "Who are you"}
      register: who
    - copy: {dest: "{{ out }}/{{ inventory_hostname }}", content: "{{ who.user_input }}"}
"""


async def test_two_hosts_pauses_of_the_free_strategy_wait_their_turn(tmp_path: Path) -> None:
    """Under ``strategy: free`` each host reaches its own pause: one waits at a time (as
    Ansible's prompts take turns), the second shown once the first is answered."""
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "free.yml").write_text(FREE)
    (tmp_path / "hosts").write_text("a ansible_connection=local\nb ansible_connection=local\n")
    owner = ConsoleSession(tmp_path / "state", inventory=load_inventory([str(tmp_path / "hosts")]))
    seen: list[Any] = []
    owner.subscribe(seen.append)
    await owner.open()
    try:
        job = await owner.submit_playbook(str(tmp_path / "free.yml"), {"extra_vars": {"out": str(out)}})
        first = await until_seen(seen, _waits("who"))
        await asyncio.sleep(0.2)  # the other host reached its pause too: it is not shown yet
        assert [w.host for w in owner.pauses.waiting(job.id)] == [first.host]
        await owner.pauses.answer(job.id, f"answer-{first.host}")
        second = await until_seen(seen, lambda u: isinstance(u, up.PauseWaiting) and u.host != first.host)
        await owner.pauses.answer(job.id, f"answer-{second.host}")
        await until_seen(seen, lambda u: isinstance(u, up.JobChanged) and u.job_id == job.id and u.state == "succeeded")
    finally:
        await owner.close()
    assert {p.name: p.read_text() for p in out.iterdir()} == {"a": "answer-a", "b": "answer-b"}
