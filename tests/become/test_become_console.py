"""The console's become toggle on the real bed: ctrl+b in the run form, the password
prompt (only when the hosts' variables hold no password), the run as the become user,
and the password nowhere on screen, in the job's stored record or its log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ftltui.tui.app import FtlApp
from ftltui.tui.messages import RunRequested
from testbed import BECOME_PASSWORD as PASSWORD
from testbed import BECOME_USER

from become_helpers import inventory_for  # type: ignore[import-not-found]

pytestmark = [pytest.mark.ssh]
SIZE = (80, 24)


async def _settle(pilot, predicate, timeout: float = 60.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < end, "condition not reached in time"
        await pilot.pause(0.05)


def _app(tmp_path: Path, inventory: Path) -> FtlApp:
    state = tmp_path / "state"
    state.mkdir()
    return FtlApp([str(inventory)], state, snapshot_mode=True, watch=False, keymap_dirs=[state])


def _all_text(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


async def _run_form_job(app, pilot, hosts: list[str], keys: list[str], password: str | None):
    await _settle(pilot, lambda: app.inventory is not None and app.services.queue is not None)
    app.post_message(RunRequested(hosts, f"host {hosts[0]}"))
    await pilot.pause(0.2)
    await pilot.press(*"command", "enter")
    await pilot.pause(0.2)
    await pilot.press(*"id -un")
    await pilot.press(*keys)
    await pilot.press("ctrl+r")
    await pilot.pause(0.3)
    if password is not None:
        from ftltui.tui.screens.secret_prompt import SecretPrompt

        assert isinstance(app.screen, SecretPrompt), type(app.screen).__name__
        await pilot.press(*password)
        screen = app.export_screenshot()
        assert password not in screen
        await pilot.press("enter")
    await _settle(pilot, lambda: app.services.jobs and all(
        j.state in ("succeeded", "failed", "dead") for j in app.services.jobs.values()))
    app.flush_events()  # the panes catch up on their next flush: do it now
    await pilot.pause(0.2)
    return app.services.jobs[max(app.services.jobs)]


async def test_become_toggle_asks_for_the_password_and_runs_as_the_user(sshbed, bed_sudoers, tmp_path) -> None:
    inv = inventory_for(tmp_path / "inv.json", sshbed, {"h01": {}})
    app = _app(tmp_path, inv)
    async with app.run_test(size=SIZE) as pilot:
        # ctrl+b: become on; the user field has the focus
        job = await _run_form_job(app, pilot, ["h01"], ["ctrl+b", *BECOME_USER], PASSWORD)
        assert job.state == "succeeded", job.reason
        lines = app.main.pane("logs").main().lines
        assert any(ln.endswith(f"| {BECOME_USER}") for ln in lines), lines[-5:]
        assert "(become)" in job.title
        stored = json.dumps(app.services.queue.store.table("jobs").get(job.id))
        assert '"become"' in stored and PASSWORD not in stored
    assert PASSWORD.encode() not in _all_text(tmp_path / "state")


async def test_no_prompt_when_the_inventory_holds_the_password(sshbed, bed_sudoers, tmp_path) -> None:
    inv = inventory_for(tmp_path / "inv.json", sshbed, {"h02": {
        "ansible_become": True, "ansible_become_user": BECOME_USER, "ansible_become_password": PASSWORD}})
    app = _app(tmp_path, inv)
    async with app.run_test(size=SIZE) as pilot:
        job = await _run_form_job(app, pilot, ["h02"], [], None)  # the row is on already: no keys, no prompt
        assert job.state == "succeeded", job.reason
        assert any(ln.endswith(f"| {BECOME_USER}") for ln in app.main.pane("logs").main().lines)


async def test_wrong_password_from_the_prompt_fails_the_host_with_the_reason(sshbed, bed_sudoers, tmp_path) -> None:
    inv = inventory_for(tmp_path / "inv.json", sshbed, {"h03": {}})
    app = _app(tmp_path, inv)
    async with app.run_test(size=SIZE) as pilot:
        job = await _run_form_job(app, pilot, ["h03"], ["ctrl+b", *BECOME_USER], "not-the-password")
        assert job.state == "failed"
        assert any("sudo: incorrect password for user ftltest on h03" in ln
                   for ln in app.main.pane("logs").main().lines)
