"""The headless console core on a real state dir, real local runs, ``ansible`` as the oracle.

One ``ansible`` ad hoc run (two hosts: one that prints two lines, one whose command
fails) decides what a run job's typed updates must say; the session's operations are
checked through the queue's own records.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ftltui.console import ConsoleSession
from ftltui.console import updates as up
from ftltui.errors import FtlError
from ftltui.inventory import load_inventory

INVENTORY = """\
all:
  hosts:
    printer:
      cmd: "printf 'a\\nb\\n'"
    failer:
      cmd: "false"
  vars:
    ansible_connection: local
    ansible_python_interpreter: python3
"""
FREE_FORM = "env {{ cmd }}"  # not "{{ ...": ansible reads an -a starting with { as JSON
ARGS = {"cmd": FREE_FORM}
UPDATE_TYPES = tuple(t for t in vars(up).values() if isinstance(t, type) and t.__module__ == up.__name__)


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yml"
    path.write_text(INVENTORY)
    return path


def ansible_results(inventory: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Per host result of ``ansible all -a 'env {{ cmd }}'`` (the json callback)."""
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_HOST_KEY_CHECKING="False")
    out = subprocess.run(["ansible", "all", "-i", str(inventory), "-a", FREE_FORM], env=env, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 2, out.stderr  # one host failed
    return json.loads(out.stdout)["plays"][0]["tasks"][0]["hosts"]


async def _settled(session: ConsoleSession, job_id: int) -> Any:
    assert session.queue is not None
    job = await session.queue.wait(job_id)
    await asyncio.sleep(0)  # the last transition's updates are published from the same loop turn
    return job


def test_a_run_job_reads_as_ansible_does(inventory_file: Path, tmp_path: Path) -> None:
    oracle = ansible_results(inventory_file, tmp_path)
    seen: list[Any] = []

    async def scenario() -> Any:
        async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inventory_file)])) as session:
            session.subscribe(seen.append)
            job = await session.submit_run("all", "command", dict(ARGS))
            return await _settled(session, job.id), session.host_results(job)

    job, host_results = asyncio.run(scenario())
    assert all(isinstance(u, UPDATE_TYPES) for u in seen), [type(u) for u in seen]  # typed: no dicts, no events
    finished = {u.host: u.result for u in seen if isinstance(u, up.HostProgress) and u.result is not None}
    assert set(finished) == set(oracle) == {"printer", "failer"}
    for host, want in oracle.items():
        got = finished[host].result
        assert (got["changed"], got["rc"], got.get("failed", False)) == (want["changed"], want["rc"],
                                                                         want.get("failed", False)), host
        assert got["stdout_lines"] == want["stdout_lines"], host
    assert host_results == {"printer": "changed", "failer": "failed"}
    began = [u for u in seen if isinstance(u, up.RunBegan)]
    assert [(u.job_id, u.module, u.host_count) for u in began] == [(job.id, "command", 2)]
    assert all(u.module == "command" for u in seen if isinstance(u, up.HostProgress) and u.result is not None)
    lines = [u.text for u in seen if isinstance(u, up.OutputText) and u.host == "printer"]
    assert lines == oracle["printer"]["stdout_lines"]  # streamed live, line by line
    states = [u.state for u in seen if isinstance(u, up.JobChanged) and u.job_id == job.id and u.state]
    assert states[0] == "queued" and states[-1] == job.state and job.state in ("succeeded", "failed")
    assert [u for u in seen if isinstance(u, up.JobChanged) and u.noted][-1].job is not None


def test_job_actions_say_what_happened(inventory_file: Path, tmp_path: Path) -> None:
    async def scenario() -> list[Any]:
        async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inventory_file)])) as session:
            job = await session.submit_run("all", "command", dict(ARGS))
            await _settled(session, job.id)
            out = [await session.job_action("cancel", job.id)]
            rerun = await session.job_action("rerun", job.id)  # only the host that failed
            out.append(rerun)
            assert rerun.new_job is not None
            await _settled(session, rerun.new_job.id)
            out.append(session.jobs[rerun.new_job.id].spec["pattern"])
            out.append(await session.job_action("requeue", job.id))  # the run failed: it can be requeued
            out.append(await session.job_action("purge", job.id))
            out.append(job.id in session.jobs)
            out.append(await session.job_action("cancel", 999))
            return out

    cancel, rerun, pattern, requeue, purge, still_listed, missing = asyncio.run(scenario())
    assert (cancel.done, cancel.message) == (False, f"job {cancel.job_id} is not running")
    assert rerun.done and pattern == "failer"
    assert requeue.done and requeue.new_job is not None and requeue.new_job.parent == requeue.job_id
    assert (purge.done, purge.message, still_listed) == (True, f"job {purge.job_id} purged", False)
    assert (missing.done, missing.message) == (False, "no job 999")


def test_bad_input_never_becomes_a_job(inventory_file: Path, tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], int]:
        errors = []
        async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inventory_file)])) as session:
            for call in (session.submit_run("all", "command", {"nonsense": 1}),
                         session.submit_run("nothing-matches", "ping", {}),
                         session.submit_drift_scan("nothing-matches")):
                with pytest.raises(FtlError) as exc:
                    await call
                errors.append(str(exc.value))
            assert session.queue is not None
            return errors, len(session.queue.list())

    errors, jobs = asyncio.run(scenario())
    assert jobs == 0
    assert errors[0].startswith("command: unsupported argument 'nonsense'")
    assert errors[1:] == ["no hosts matched 'nothing-matches'"] * 2


def test_reload_keeps_the_last_good_inventory(inventory_file: Path, tmp_path: Path) -> None:
    async def scenario() -> tuple[Any, str, Any, list[Any]]:
        seen: list[Any] = []
        async with ConsoleSession(tmp_path / "state") as session:
            session.subscribe(seen.append)
            first = await session.reload_inventory([str(inventory_file)])
            broken = tmp_path / "broken.yml"
            broken.write_text("all:\n  hosts: [unclosed\n")
            with pytest.raises(FtlError) as exc:
                await session.reload_inventory([str(broken)])
            return first, str(exc.value), session.inventory, seen

    first, error, inventory, seen = asyncio.run(scenario())
    assert first == up.InventoryReloaded(2, True) and seen == [first]
    assert "broken.yml:" in error  # file and line
    assert sorted(inventory.hosts) == ["failer", "printer"]


def test_pin_with_nothing_scanned_changes_nothing(inventory_file: Path, tmp_path: Path) -> None:
    async def scenario() -> tuple[Any, Any, list[Any]]:
        seen: list[Any] = []
        async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inventory_file)])) as session:
            session.subscribe(seen.append)
            return session.drift_pin("all"), session.drift_accept("all"), seen

    pinned, accepted, seen = asyncio.run(scenario())
    assert (pinned.hosts, pinned.message) == ((), "no snapshot to pin: scan first (s)")
    assert (accepted.changes, accepted.message) == (0, "nothing to accept")
    assert not [u for u in seen if isinstance(u, up.DriftChanged)]


def test_a_second_session_on_a_held_state_dir_works_privately(tmp_path: Path) -> None:
    async def scenario() -> tuple[str | None, Path]:
        async with ConsoleSession(tmp_path / "state"):
            async with ConsoleSession(tmp_path / "state") as second:
                return second.warning, second.state_dir

    warning, state_dir = asyncio.run(scenario())
    assert warning is not None and "temporary state dir" in warning
    assert state_dir != tmp_path / "state"


def test_an_owners_rerun_for_a_client_goes_to_the_failed_host_only(inventory_file: Path, tmp_path: Path) -> None:
    """The owner's job actions for attached consoles (``jobs.action``) read the job's durable
    per-host ledger: a rerun of a run with one failed host targets that host only (it used to
    read a summary key no job writes, and re-ran every host)."""
    from ftltui.api.view_operations import OwnerJobActions

    async def scenario() -> str:
        async with ConsoleSession(tmp_path / "state", inventory=load_inventory([str(inventory_file)])) as session:
            job = await session.submit_run("all", "command", dict(ARGS))
            await _settled(session, job.id)
            assert session.queue is not None
            rerun = await OwnerJobActions(session.queue).job_action("rerun", job.id)
            assert rerun.done and rerun.new_job is not None, rerun.message
            await _settled(session, rerun.new_job.id)
            return str(session.queue.get(rerun.new_job.id).spec["pattern"])  # type: ignore[union-attr]

    assert asyncio.run(scenario()) == "failer"
