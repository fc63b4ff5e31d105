"""``r`` on a job that ran with a become password asks for it again (session 10, hC).

Secrets are never stored, so the console refused such a re-run ("secrets lost"). Now the
Jobs pane's retry asks for the password in the same prompt the run form uses; ``esc``
queues nothing and changes nothing; the typed password re-runs the failed host with it
(sudo on the real sshd bed: the job succeeds only with the right password) and is in no
state file, log or screen. Real app through the pilot, a real state dir whose failed job
(h02 was down: a closed port) was made by a console session before the app opened.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from netutil import closed_port
from testbed import BECOME_PASSWORD, BECOME_USER, SUDOERS
from textual.screen import ModalScreen
from textual.widgets import Input
from tuihelpers import ready, screen_text, wait_for

from ftltui.console import ConsoleSession
from ftltui.console.run_args import RunBecome
from ftltui.inventory import load_inventory

pytestmark = [pytest.mark.ssh]


def _inventory(path: Path, bed: Any, h02_port: int | None) -> None:
    hosts = {}
    for name in ("h01", "h02"):
        v = dict(bed.host_vars(name))
        if name == "h02" and h02_port is not None:
            v["ansible_port"] = h02_port
        hosts[name] = v
    path.write_text(json.dumps({"all": {"vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}",
                                                 "ansible_python_interpreter": "/usr/bin/python3"},
                                        "hosts": hosts}}))


async def _failed_become_job(state: Path, inv: Path) -> int:
    async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
        assert s.queue is not None
        job = await s.submit_run("all", "command", {"_raw_params": "id -un"},
                                 become=RunBecome(BECOME_USER, "sudo", BECOME_PASSWORD))
        assert (await s.queue.wait(job.id)).state in ("failed", "dead")
        return job.id


def _state_text(state: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file())


async def _retry_with_prompt(pilot: Any, app: Any, job_id: int, job_ids: Any) -> None:
    """``r``: the prompt; ``esc`` queues nothing; ``r`` again, the password typed: job 2 queued."""
    from ftltui.tui.screens.secret_prompt import SecretPrompt

    await wait_for(pilot, lambda: job_id in app.services.jobs)
    await pilot.press("4")
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
    shown = screen_text(app)
    assert "sudo password" in shown and f"Job {job_id} ran with a sudo password" in shown, shown
    await pilot.press("escape")  # cancel: nothing queued, nothing changed
    await wait_for(pilot, lambda: not isinstance(app.screen, ModalScreen))
    await wait_for(pilot, lambda: any("cancelled: nothing queued" in str(n.message) for n in app._notifications))
    assert await job_ids() == [job_id]

    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
    app.screen.query_one("#secret-input", Input).value = BECOME_PASSWORD
    await pilot.press("enter")
    await wait_for(pilot, lambda: job_id + 1 in app.services.jobs)
    new = app.services.jobs[job_id + 1]
    assert new.parent == job_id and new.hosts == ["h02"]
    await wait_for(pilot, lambda: app.services.jobs[job_id + 1].state in ("succeeded", "failed", "dead"))
    done = app.services.jobs[job_id + 1]
    assert done.state == "succeeded", (done.state, done.reason)
    assert await job_ids() == [job_id, job_id + 1]
    assert BECOME_PASSWORD not in screen_text(app)
    assert not any(BECOME_PASSWORD in str(n.message) for n in app._notifications)


def _check_state(state: Path, job_id: int) -> None:
    assert BECOME_PASSWORD not in _state_text(state)
    # the new job's own log (job 1 already ran as the become user on h01): h02's output says
    # who sudo made it there
    log = (state / "logs" / f"{job_id + 1}.jsonl").read_text(errors="replace")
    assert "h02" in log and BECOME_USER in log, log[-2000:]


async def _prepared(bed: Any, tmp_path: Path) -> tuple[Path, Path, int]:
    if not SUDOERS.exists():
        bed._ensure_become()
    state, inv = tmp_path / "state", tmp_path / "inv.json"
    _inventory(inv, bed, closed_port())
    job_id = await _failed_become_job(state, inv)
    _inventory(inv, bed, None)  # h02 is back
    return state, inv, job_id


async def test_retry_asks_the_become_password_again(sshbed: Any, make_app: Any, tmp_path: Path) -> None:
    state, inv, job_id = await _prepared(sshbed, tmp_path)
    app = make_app([str(inv)], state_dir=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)

        async def local_ids() -> list[int]:
            return sorted(d.doc_id for d in app.services.queue.store.table("jobs").all())

        await _retry_with_prompt(pilot, app, job_id, local_ids)
    _check_state(state, job_id)


async def test_attached_retry_sends_the_password_to_the_owner(sshbed: Any, make_app: Any, tmp_path: Path) -> None:
    """A console attached to a daemon: the owner answers ``needs_secrets``, the console asks,
    and the password goes to the owner in ``jobs.action``'s ``secrets`` (its socket only); the
    owner's job runs with it; neither the daemon's output nor the state holds it."""
    import signal

    from daemonhelp import start_daemon

    from ftltui.api.client import ApiClient
    from ftltui.tui.app_attach import drift_ready, owns_jobs

    state, inv, job_id = await _prepared(sshbed, tmp_path)
    proc = start_daemon(state, inventory=str(inv))
    try:
        app = make_app([str(inv)], state_dir=state)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.inventory is not None and drift_ready(app.services))
            assert not owns_jobs(app.services)

            async def owner_ids() -> list[int]:
                async with await ApiClient.connect(state) as client:
                    return sorted(int(r["id"]) for r in await client.request("jobs.list"))

            await _retry_with_prompt(pilot, app, job_id, owner_ids)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert BECOME_PASSWORD not in out + err
    _check_state(state, job_id)
