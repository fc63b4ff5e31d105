"""Schedules fired into a real job queue (real store, engine, files), with ansible and
ansible-playbook as the oracle for what the scheduled jobs did: a scheduled run and a
scheduled play end as the same command run by Ansible on the same hosts."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path

import pytest

from ftltui.drift import jobs as drift_jobs
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.schedule.command import queue_submitter
from ftltui.schedule.model import ScheduleBook, ScheduleError
from ftltui.schedule.scheduler import Scheduler, SystemClock, store_job_active
from ftltui.state import StateStore

from schedule_helpers import FakeClock

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: write the version
      copy:
        content: "v1\\n"
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
    - name: go only where allowed
      command: test -e {{ out }}/go-{{ inventory_hostname }}
"""
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+"
                   r"rescued=(\d+)\s+ignored=(\d+)", re.M)
ADHOC = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED!?) \| rc=(\d+)", re.M)
ENV = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0"}


def _oracle(tmp_path: Path, inv: Path, book: Path, out: Path) -> tuple[dict, dict]:
    """ansible-playbook's recap and ansible's per-host result for the scheduled commands."""
    play = subprocess.run(["ansible-playbook", "-i", str(inv), str(book), "-e", f"out={out}"],
                          capture_output=True, text=True, env=ENV, cwd=tmp_path)
    assert play.returncode == 2, play.stdout + play.stderr
    keys = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
    recap = {m[0]: dict(zip(keys, map(int, m[1:]))) for m in RECAP.findall(play.stdout)}
    adhoc = subprocess.run(["ansible", "all", "-i", str(inv), "-o", "-m", "command", "-a", f"test -e {out}/go-l1"],
                           capture_output=True, text=True, env=ENV, cwd=tmp_path)
    results = {h: (word.rstrip("!"), int(rc)) for h, word, rc in ADHOC.findall(adhoc.stdout)}
    assert set(results) == {"l1", "l2"}, adhoc.stdout + adhoc.stderr
    return recap, results


@pytest.fixture
async def owner(tmp_path: Path):
    """What an owner process sets up: store, engine on its inventory, queue with the kinds."""
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_python_interpreter: python3\n  hosts:\n"
                   "    l1:\n      ansible_connection: local\n    l2:\n      ansible_connection: local\n")
    q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])), heartbeat=0.05)
    register_builtin(q)
    drift_jobs.register(q)
    await q.start()
    try:
        yield q, inv
    finally:
        await q.stop()
        await q.executor.close()
        q.store.close()


async def test_scheduled_run_play_and_drift_scan_become_jobs(tmp_path: Path, owner) -> None:
    q, inv = owner
    book_file, out, oracle_out = tmp_path / "site.yml", tmp_path / "out", tmp_path / "oracle"
    book_file.write_text(PLAYBOOK)
    for d in (out, oracle_out):
        d.mkdir()
        (d / "go-l1").touch()
    recap, adhoc = _oracle(tmp_path, inv, book_file, oracle_out)

    clock = FakeClock(1_800_000_000.0)
    book = ScheduleBook(q.store, clock=clock.now)
    play = book.add("* * * * *", ["play", str(book_file), "-e", f"out={out}"])
    run = book.add("* * * * *", ["run", "all", "-m", "command", "-a", f"test -e {out}/go-l1"])
    scan = book.add("* * * * *", ["drift", "scan", "l1"])
    limited = book.add("* * * * *", ["run", "all", "-m", "ping", "-l", "l2"])
    nowhere = book.add("* * * * *", ["run", "nosuchgroup", "-m", "ping"])
    wf_file = tmp_path / "wf.yml"
    wf_file.write_text("name: wf\nhosts: l1\nsteps:\n  - name: write\n    module: copy\n"
                       "    args: {dest: '{{ out }}/wf.txt', content: \"{{ word }}\"}\n")
    workflow = book.add("* * * * *", ["play", str(wf_file), "-e", f"out={out}", "-e", "word=scheduled"])
    sch = Scheduler(book, queue_submitter(q), job_active=store_job_active(q.store), clock=clock)
    await clock.set(clock.now() + 60)
    firings = {f.schedule_id: f for f in await sch.tick()}
    assert {k: f.action for k, f in firings.items()} == {play.id: "fired", run.id: "fired", scan.id: "fired",
                                                          limited.id: "fired", nowhere.id: "failed",
                                                          workflow.id: "fired"}
    assert "nosuchgroup" in book.get(nowhere.id).last_error

    jobs = {sid: await q.wait(f.job_id) for sid, f in firings.items() if f.job_id}
    assert jobs[play.id].kind == "playbook" and jobs[play.id].summary["recap"] == recap
    assert (out / "l1.txt").read_text() == (oracle_out / "l1.txt").read_text() == "v1\n"
    assert (out / "l2.txt").read_text() == (oracle_out / "l2.txt").read_text()

    last = {h: e["attempts"][-1] for h, e in jobs[run.id].per_host.items()}
    ours = {h: ("FAILED" if a["status"] == "failed" else "CHANGED", a["rc"]) for h, a in last.items()}
    assert ours == adhoc  # l1 CHANGED rc=0, l2 FAILED rc=1, as ansible says

    assert jobs[scan.id].kind == "drift_scan" and jobs[scan.id].state == "succeeded", jobs[scan.id].reason
    assert set(jobs[scan.id].summary["snapshots"]) == {"l1"}
    assert set(jobs[limited.id].per_host) == {"l2"}  # -l resolved to the hosts of the pattern within it
    assert book.get(run.id).last_job == jobs[run.id].id
    assert jobs[workflow.id].kind == "workflow" and jobs[workflow.id].state == "succeeded", jobs[workflow.id].reason
    assert (out / "wf.txt").read_text() == "scheduled"


async def test_the_command_is_checked_again_when_it_fires(tmp_path: Path, owner) -> None:
    """A playbook removed after the schedule was added: the firing fails, saying why."""
    q, _ = owner
    book_file = tmp_path / "gone.yml"
    book_file.write_text("- hosts: all\n  tasks: []\n")
    clock = FakeClock(1_800_000_000.0)
    book = ScheduleBook(q.store, clock=clock.now)
    s = book.add("* * * * *", ["play", str(book_file)])
    book_file.unlink()
    await clock.set(clock.now() + 60)
    firings = await Scheduler(book, queue_submitter(q), clock=clock).tick()
    assert [f.action for f in firings] == ["failed"]
    assert book.get(s.id).last_error == f"play {book_file}: no such file"


async def test_real_clock_once_a_second_without_overlap(tmp_path: Path, owner) -> None:
    """Real time: an every-second schedule fires jobs one after the other, never two at once."""
    q, _ = owner
    book = ScheduleBook(q.store)
    slow = tmp_path / "slow.yml"  # each job outlives a second: the firings in between are skipped
    slow.write_text("- hosts: l1\n  gather_facts: false\n  tasks:\n    - command: sleep 1.5\n")
    s = book.add("* * * * * *", ["play", str(slow)])
    starts: list[tuple[int, float]] = []
    sch = Scheduler(book, queue_submitter(q), clock=SystemClock(),
                    on_firing=lambda f: starts.append((f.job_id, f.at)) if f.action == "fired" else None)
    task = asyncio.create_task(sch.run())
    try:
        for _ in range(3000):
            if len(starts) >= 3:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"fewer than 3 firings: {starts}")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    jobs = [await q.wait(job_id) for job_id, _ in starts]
    assert all(j.state == "succeeded" for j in jobs), [(j.id, j.state, j.reason) for j in jobs]
    for before, after in zip(jobs, jobs[1:]):  # each one was queued after the previous one ended
        ended = before.history[-1][1]
        assert before.history[-1][0] == "succeeded" and after.created >= ended, (before.history, after.created)
    assert book.get(s.id).skipped >= 1
