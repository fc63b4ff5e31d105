"""Re-runs from every face are one code path, and keep the "may have run" rule.

hR finding 7: a shell job cancelled while its command ran on the hosts was retried (``r``
in the console, ``jobs retry``) on every host at once, though the command had started
there: now those hosts are held back as after a timeout or a dead controller (README
"Retries": a non-idempotent command is not run again by a retry; ``requeue`` is the
explicit re-run). hR finding 16: ``jobs requeue`` of a playbook job made a job with no
hosts and 3 tries; the console's ``u`` kept its hosts and 1 try: both now do the latter.
Real state dirs, the real CLI in its own processes, local-connection hosts.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR

HOSTS = ("fin7-a", "fin7-b")


def ftl(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def inventory(path: Path) -> Path:
    path.write_text("all:\n  hosts:\n" + "".join(f"    {h}:\n      ansible_connection: local\n" for h in HOSTS))
    return path


def test_a_run_cancelled_mid_command_is_not_rerun_by_retry(tmp_path: Path) -> None:
    state, marker, inv = tmp_path / "st", tmp_path / "marker", inventory(tmp_path / "inv.yml")

    async def cancelled_run() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as session:
            assert session.queue is not None
            started: set[str] = set()
            both = asyncio.Event()

            def seen(ev: object) -> None:
                inner = getattr(ev, "event", None)
                if getattr(inner, "type", "") == "HostStarted":
                    started.add(inner.host)  # type: ignore[union-attr]
                    if started == set(HOSTS):
                        both.set()

            session.watch(seen)
            job = await session.submit_run("all", "shell",
                                           {"_raw_params": f"echo {{{{ inventory_hostname }}}} >> {marker}; sleep 60"})
            await asyncio.wait_for(both.wait(), 60)
            await session.cancel(job.id)
            done = await session.queue.wait(job.id)
            assert done.state == "cancelled", done.state

            # the console's r and e: refused, the hosts named, nothing queued
            for action in ("retry", "rerun"):
                result = await session.job_action(action, job.id)
                assert not result.done and result.new_job is None, (action, result.message)
                assert "cancelled while it ran" in result.message and all(h in result.message for h in HOSTS)
            assert len(session.jobs) == 1
            return job.id

    job_id = asyncio.run(cancelled_run())
    retry = ftl("jobs", "retry", str(job_id), state=state, cwd=tmp_path)
    assert retry.returncode == 4, retry.stdout + retry.stderr
    assert "cancelled while it ran" in retry.stderr and "jobs requeue" in retry.stderr, retry.stderr
    ran = marker.read_text().split() if marker.exists() else []
    assert len(ran) <= len(HOSTS), ran  # the cancelled run's lines only: no retry ran the command again


def test_requeue_of_a_playbook_keeps_hosts_and_tries_from_cli_and_console(tmp_path: Path) -> None:
    state, inv = tmp_path / "st", inventory(tmp_path / "inv.yml")
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'false'\n")
    play = ftl("play", str(book), "-i", str(inv), state=state, cwd=tmp_path)
    assert play.returncode != 0, play.stdout + play.stderr

    cli = ftl("jobs", "requeue", "1", "--detach", state=state, cwd=tmp_path)
    assert cli.returncode == 0, cli.stdout + cli.stderr

    async def console() -> None:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)]), dispatch=False) as session:
            result = await session.job_action("requeue", 1)
            assert result.done and result.new_job is not None, result.message
            first, from_cli, from_console = (session.job(i) for i in (1, 2, result.new_job.id))
            assert first is not None and from_cli is not None and from_console is not None
            for job in (from_cli, from_console):
                assert (sorted(job.hosts), job.max_attempts, job.parent) == (sorted(HOSTS), 1, 1), job
                assert job.spec["playbook"] == first.spec["playbook"]

    asyncio.run(console())
