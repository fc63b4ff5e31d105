"""A held timed pause (``pause.hold``: ctrl+C in ``ftl-tui play``) is a record with no end
time, published so every face redraws (review finding 6 of hQ2): no face counts down to
"0 seconds left" while it really waits for continue or abort. A real owner session runs
the playbook; a console attaching later reads the held record through ``pause.list``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessionwait import serving_owner, until_seen

from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.inventory import load_inventory

SOURCES = ["localhost,"]
PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: wait
      pause: {minutes: 5}
"""


async def test_a_held_pause_has_no_end_time_for_any_face(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text(PLAYBOOK)
    owner, seen, server = await serving_owner(tmp_path / "state", SOURCES)
    attached = RemoteConsoleSession(tmp_path / "state")
    try:
        job = await owner.submit_playbook(str(tmp_path / "p.yml"), {})
        timed = await until_seen(seen, lambda u: isinstance(u, up.PauseWaiting))
        assert timed.ends_at is not None and not timed.held
        await owner.pauses.hold(job.id)
        held = await until_seen(seen, lambda u: isinstance(u, up.PauseWaiting) and u.held)
        assert held.ends_at is None and held.seconds_left(0.0) is None
        assert owner.pauses.waiting(job.id) == [held]
        assert "held" in held.describe(held.seconds + 1e9) and "seconds left" not in held.describe(0.0)
        await attached.open()  # a console attaching now: the owner's record, held
        [remote] = attached.pauses.waiting(job.id)
        assert remote.held and remote.ends_at is None
        await owner.pauses.continue_early(job.id)
        await until_seen(seen, lambda u: isinstance(u, up.JobChanged) and u.job_id == job.id and u.state == "succeeded")
    finally:
        await attached.close()
        await server.close()
        await owner.close()


async def test_a_hold_reaches_every_attached_console_live(tmp_path: Path) -> None:
    """One attached console holds the owner's timed pause: the owner and every other
    attached console get the held record as a typed update at once (the ``view.watch``
    stream's ``pause_held`` item), not only on their next ``pause.list``; the pause bar
    (what it reads: the desk's record) says "held"."""
    from ftltui.tui.widgets.pause_bar import pause_text

    (tmp_path / "p.yml").write_text(PLAYBOOK)
    owner, seen, server = await serving_owner(tmp_path / "state", SOURCES)
    holder, other = RemoteConsoleSession(tmp_path / "state"), RemoteConsoleSession(tmp_path / "state")
    other_seen: list[Any] = []
    other.subscribe(other_seen.append)
    try:
        await holder.open()
        await other.open()
        job = await owner.submit_playbook(str(tmp_path / "p.yml"), {})
        await until_seen(other_seen, lambda u: isinstance(u, up.PauseWaiting))
        await until_seen([holder.pauses], lambda d: d.waiting(job.id))
        await holder.pauses.hold(job.id)
        held = await until_seen(other_seen, lambda u: isinstance(u, up.PauseWaiting) and u.held)
        assert held.job_id == job.id and held.ends_at is None
        [record] = other.pauses.waiting(job.id)
        assert record.held and "held: waits until continued or aborted" in pause_text(record, 0.0).plain
        assert [w.held for w in owner.pauses.waiting(job.id)] == [True]
        await other.pauses.continue_early(job.id)
        await until_seen(seen, lambda u: isinstance(u, up.JobChanged) and u.job_id == job.id and u.state == "succeeded")
    finally:
        await other.close()
        await holder.close()
        await server.close()
        await owner.close()


async def test_the_owner_tells_held_pauses_through_its_typed_hook(tmp_path: Path) -> None:
    """The hub of ``view.watch`` hears of a held pause through ``subscribe_pause_held`` (review
    hV1 #5), as it hears drift and schedule changes, not by reaching into the ops' ``session``:
    the console session's ops tell the job of each hold (and not of a pause that only began),
    until unsubscribed; a bare queue's ops have no console pauses and tell nothing."""
    from ftltui.api.local_operations import LocalOperations
    from ftltui.api.session_server import SessionOperations

    (tmp_path / "p.yml").write_text(PLAYBOOK)
    owner = ConsoleSession(tmp_path / "state", inventory=load_inventory(SOURCES))
    seen: list[Any] = []
    owner.subscribe(seen.append)
    await owner.open()
    assert owner.queue is not None
    ops = SessionOperations(owner)
    held: list[int] = []
    bare: list[int] = []
    unsubscribe = ops.subscribe_pause_held(held.append)
    LocalOperations(owner.queue).subscribe_pause_held(bare.append)()
    try:
        job = await owner.submit_playbook(str(tmp_path / "p.yml"), {})
        await until_seen(seen, lambda u: isinstance(u, up.PauseWaiting))
        assert held == []  # a pause that began is no hold
        await owner.pauses.hold(job.id)
        await until_seen(seen, lambda u: isinstance(u, up.PauseWaiting) and u.held)
        assert held == [job.id]
        unsubscribe()
        await owner.pauses.continue_early(job.id)
        await until_seen(seen, lambda u: isinstance(u, up.JobChanged) and u.job_id == job.id and u.state == "succeeded")
    finally:
        await owner.close()
    assert held == [job.id] and bare == []
