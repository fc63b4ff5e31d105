"""The read-only console (issue 16): the header says READ-ONLY, every write key, ``:``
command and palette entry is refused with a "read-only" notification (no form, no
question, no job), the app stays up, and as an owner it refuses its API clients' writes.

One app on a state dir that already holds a finished job (made by a writable session
first), so the job keys have something to act on. The protected-group question: a
writable console on an inventory with ``ftl_tui_protected_groups`` asks before a run on
them, runs nothing on "n", and queues the run on "y".
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from guardinv import guard_inventory
from textual.screen import ModalScreen
from tuihelpers import ready, screen_text, wait_for

from ftltui.console import ConsoleSession
from ftltui.console.guard import Guard
from ftltui.inventory import load_inventory


async def _finished_job(state: Path, inventory: Path) -> int:
    session = ConsoleSession(state)
    await session.open()
    try:
        session.set_inventory(load_inventory([str(inventory)]))
        job = await session.submit_run("dev", "ping")
        assert session.queue is not None
        assert (await session.queue.wait(job.id)).state == "succeeded"
        return job.id
    finally:
        await session.close()


def _record_notes(app: Any) -> list[str]:
    """Every notification's message from now on (the toasts themselves expire)."""
    seen: list[str] = []
    notify = app.notify

    def record(message: str, **kw: Any) -> None:
        seen.append(str(message))
        notify(message, **kw)

    app.notify = record
    return seen


async def _refused(pilot: Any, app: Any, seen: list[str], *keys: str) -> None:
    """Press ``keys``; a read-only notification must follow, nothing modal may open."""
    before = len(seen)
    await pilot.press(*keys)
    await wait_for(pilot, lambda: any("read-only" in n for n in seen[before:]))
    await pilot.pause()
    assert not isinstance(app.screen, ModalScreen), (keys, app.screen)


async def test_every_write_is_refused_and_the_app_stays_up(make_app: Any, tmp_path: Path) -> None:
    inventory = guard_inventory(tmp_path)
    state = tmp_path / "state"
    job_id = await _finished_job(state, inventory)
    app = make_app([str(inventory)], state_dir=state, guard=Guard(readonly=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: "READ-ONLY" in screen_text(app))
        seen = _record_notes(app)
        # the Inventory pane: r opens no run form
        await _refused(pilot, app, seen, "r")
        # every : command that writes: one typed on the command line, the others given to it
        await _refused(pilot, app, seen, "colon", *"run dev", "enter")
        for line in ("run all ping", "play site.yml", "drift scan all", "drift baseline all",
                     "drift accept all", f"jobs cancel {job_id}", f"jobs retry {job_id}", f"jobs rerun {job_id}",
                     f"jobs requeue {job_id}", f"jobs purge {job_id}", "schedule add @hourly run all -m ping",
                     "schedule pause 1", "schedule resume 1", "schedule rm 1"):
            before = len(seen)
            app.run_command_line(line)
            await pilot.pause()
            assert any("read-only" in n for n in seen[before:]), line
            assert not isinstance(app.screen, ModalScreen), line
        # the Jobs pane's keys on the finished job
        await pilot.press("4")
        await pilot.pause()
        for key in ("c", "r", "e", "u", "p"):
            await _refused(pilot, app, seen, key)
        # the Drift pane's keys
        await pilot.press("3")
        await pilot.pause()
        for key in ("s",):  # b and a need a host row (the `:drift` lines above cover them)
            await _refused(pilot, app, seen, key)
        # a palette entry that writes
        await _refused(pilot, app, seen, "ctrl+p", *"drift scan all", "enter")
        # looking still works: the job's logs, the help
        await pilot.press("4", "l")
        await pilot.pause()
        assert app.is_running
        assert app.services.queue is not None
        assert [(j.id, j.state) for j in app.services.queue.list()] == [(job_id, "succeeded")]


async def test_a_readonly_console_owner_refuses_its_clients_writes(make_app: Any, tmp_path: Path) -> None:
    from ftltui.api import protocol as p
    from ftltui.api.client import ApiClient, ApiError

    inventory = guard_inventory(tmp_path, extra="    ftl_tui_readonly: true")  # the inventory's own word
    state = tmp_path / "state"
    app = make_app([str(inventory)], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: (state / "api.sock").exists())
        assert app.services.readonly
        async with await ApiClient.connect(state) as client:  # the client did not ask for read-only
            info = await client.request("owner.info")
            assert info["readonly"] is True
            for op, args in (("run.submit", {"pattern": "all", "module": "ping"}),
                             ("drift.scan", {"pattern": "all"}), ("jobs.purge", {})):
                try:
                    await client.request(op, **args)
                except ApiError as exc:
                    assert exc.code == p.E_READONLY, (op, exc)
                else:
                    raise AssertionError(f"{op} was accepted by a read-only owner")
            assert await client.request("jobs.list") == []
        assert app.is_running


async def test_a_run_on_protected_hosts_asks_first(make_app: Any, tmp_path: Path) -> None:
    from ftltui.tui.app_guard import ProtectedConfirmScreen

    inventory = guard_inventory(tmp_path, extra="    ftl_tui_protected_groups: [prod]")
    app = make_app([str(inventory)], state_dir=tmp_path / "state")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"run all ping", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
        assert "This run touches 2 hosts in protected group prod" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModalScreen))
        assert app.services.jobs == {}
        await pilot.press("colon", *"run dev ping", "enter")  # no protected host: no question
        await wait_for(pilot, lambda: len(app.services.jobs) == 1)
        await pilot.press("colon", *"run all ping", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProtectedConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.services.jobs) == 2)
        job = max(app.services.jobs.values(), key=lambda j: j.id)
        assert sorted(job.hosts) == ["d1", "p1", "p2"]
        assert app.services.queue is not None
        await asyncio.wait_for(app.services.queue.wait(job.id), 60)
