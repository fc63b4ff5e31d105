"""A schedule's host pattern is checked against the inventory it will fire on.

Before, ``schedule add CRON run PATTERN`` (and ``drift scan``, ``play -l``, the console's
``:schedule add``) stored a pattern that matched no host, or was malformed, and the
schedule then fired forever doing nothing; a scheduled playbook whose ``-l`` matched
nothing even ended as a succeeded job with no host. Now:

* a malformed pattern is refused when added (what, where, what was expected);
* one that matches no host is refused with Ansible's words ("Could not match supplied
  host pattern") unless ``--allow-no-hosts``, against the owner's inventory when an owner
  runs, else the one ``run`` would use (``-i``);
* a firing whose pattern matches nothing (the inventory changed) queues nothing and is
  recorded: a failure (``last_error``), or a skip for a schedule added with
  ``--allow-no-hosts``.

Real CLI processes, a real daemon, a real job queue and engine, a real console session.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path

from daemonhelp import FTL, start_daemon

from ftltui.console import ConsoleSession
from ftltui.console.schedules import ScheduleDesk
from ftltui.drift import jobs as drift_jobs
from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from ftltui.jobs import JobQueue
from ftltui.jobs.kinds import register_builtin
from ftltui.schedule.command import NoHostsMatched, queue_submitter
from ftltui.schedule.model import ScheduleBook, ScheduleError
from ftltui.schedule.scheduler import Scheduler
from ftltui.state import StateStore

NO_MATCH = "Could not match supplied host pattern"
INVENTORY = """\
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: python3
  hosts:
    l1: {}
  children:
    web:
      hosts: {}
"""
PLAYBOOK = "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n"
WORKFLOW = "name: wf\nhosts: web\nsteps:\n  - name: a\n    module: ping\n"
T0 = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    inv, book, wf = tmp_path / "inv.yml", tmp_path / "site.yml", tmp_path / "wf.yml"
    inv.write_text(INVENTORY)
    book.write_text(PLAYBOOK)
    wf.write_text(WORKFLOW)
    return inv, book, wf


def ftl(state: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=120,
                          check=False, cwd=cwd)


def _listed(state: Path, cwd: Path) -> list[dict]:
    out = ftl(state, "schedule", "list", "--json", cwd=cwd)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_add_without_owner_checks_the_pattern_against_the_inventory_run_would_use(tmp_path: Path) -> None:
    inv, book, wf = _files(tmp_path)
    state = tmp_path / "state"
    refused = {
        ("run", "web", "-m", "ping"): f"{NO_MATCH}: 'web' (run PATTERN) in {inv}: group 'web' has no host;",
        ("run", "nosuch", "-m", "ping"): f"{NO_MATCH}: 'nosuch' (run PATTERN) in {inv}: no group or host named "
                                          "'nosuch'",
        ("run", "all", "-m", "ping", "-l", "web"): f"{NO_MATCH}: 'web' (run --limit) in {inv}",
        ("drift", "scan", "web"): f"{NO_MATCH}: 'web' (drift scan PATTERN) in {inv}",
        ("play", str(book), "-l", "web"): f"{NO_MATCH}: 'web' (play --limit) in {inv}",
        ("play", str(wf)): f"{wf}:4:5: {NO_MATCH}: 'web' (workflow step 'a' hosts:) in {inv}",
    }
    for words, message in refused.items():
        r = ftl(state, "schedule", "add", "-i", str(inv), "@hourly", *words, cwd=tmp_path)
        assert r.returncode == 4, (words, r.stderr)
        assert r.stderr.startswith(f"ftl-tui: error: {message}"), (words, r.stderr)
        assert r.stderr.rstrip().endswith("add --allow-no-hosts before the command"), r.stderr
    # no -i, no owner: the inventory run would use here, and the refusal says how to name the owner's
    r = ftl(state, "schedule", "add", "@hourly", "run", "no-such-group-hb", "-m", "ping", cwd=tmp_path)
    assert r.returncode == 4 and f"{NO_MATCH}: 'no-such-group-hb' (run PATTERN)" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith("name the one the owner will fire on with -i INV before CRON)"), r.stderr
    # run's PATTERN counts within its --limit, as `run -l` resolves it
    r = ftl(state, "schedule", "add", "-i", "a,b,", "@hourly", "run", "a", "-m", "ping", "-l", "b", cwd=tmp_path)
    assert r.returncode == 4 and r.stderr.startswith(
        f"ftl-tui: error: {NO_MATCH}: 'b' (run --limit) in a,b,: none of the hosts of PATTERN 'a' is within it;"), \
        r.stderr
    malformed = {
        "web[0": "run PATTERN 'web[0': unbalanced '[' in host pattern 'web[0'; expected e.g. web[0]",
        "~(": "run PATTERN '~(': invalid host pattern '~(': missing ), unterminated subpattern at position 0; "
              "expected a valid regular expression after '~'",
        "l1:!": "run PATTERN 'l1:!': expected a group or host after '!' in pattern 'l1:!'",
    }
    for pattern, message in malformed.items():  # refused even when no hosts are allowed
        r = ftl(state, "schedule", "add", "-i", str(inv), "@hourly", "--allow-no-hosts", "run", pattern, "-m", "ping",
                cwd=tmp_path)
        assert r.returncode == 4 and r.stderr.startswith(f"ftl-tui: error: {message}"), (pattern, r.stderr)
    assert _listed(state, tmp_path) == []  # nothing was stored

    ok = ftl(state, "schedule", "add", "-i", str(inv), "@hourly", "run", "l1", "-m", "ping", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    # -i and --allow-no-hosts after CRON (re-parsed with what came before it)
    allowed = ftl(state, "schedule", "add", "@hourly", "-i", str(inv), "--allow-no-hosts", "run", "web", "-m", "ping",
                  cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert [(s["argv"][1], s["allow_no_hosts"]) for s in _listed(state, tmp_path)] == [("l1", False), ("web", True)]


def test_a_daemon_checks_an_added_pattern_against_its_own_inventory(tmp_path: Path) -> None:
    inv, _, _ = _files(tmp_path)
    state = tmp_path / "state"
    daemon = start_daemon(state, inventory=str(inv))
    try:  # the client names no inventory: its own default (the demo's) is not what the owner fires on
        none = ftl(state, "schedule", "add", "@hourly", "run", "web", "-m", "ping", cwd=tmp_path)
        demo_only = ftl(state, "schedule", "add", "@hourly", "run", "l1:!", "-m", "ping", cwd=tmp_path)
        other = ftl(state, "schedule", "add", "-i", "l1,", "@hourly", "run", "l1", "-m", "ping", cwd=tmp_path)
        ok = ftl(state, "schedule", "add", "@hourly", "run", "l1", "-m", "ping", cwd=tmp_path)
        allowed = ftl(state, "schedule", "add", "@hourly", "--allow-no-hosts", "drift", "scan", "web", cwd=tmp_path)
        listed = _listed(state, tmp_path)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    assert none.returncode == 4 and none.stderr.startswith(f"ftl-tui: error: {NO_MATCH}: 'web' (run PATTERN) in "
                                                           f"{inv}"), none.stderr
    assert demo_only.returncode == 4 and "expected a group or host after '!'" in demo_only.stderr, demo_only.stderr
    assert other.returncode == 4 and f"(pid {daemon.pid}) fires schedules on its own inventory, not l1," in \
        other.stderr, other.stderr
    assert ok.returncode == 0 and allowed.returncode == 0, (ok.stderr, allowed.stderr)
    assert [(s["kind"], s["allow_no_hosts"]) for s in listed] == [("run", False), ("drift scan", True)]


class _At:
    """The scheduler's clock, at one instant (``tick`` only reads it)."""

    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        raise AssertionError("tick() does not sleep")


def test_a_firing_whose_pattern_matches_nothing_queues_nothing_and_says_so(tmp_path: Path) -> None:
    """The inventory changed after the schedules were added (stored as such: added
    with no inventory to check against): every firing is recorded, no job is queued."""
    inv, book_file, wf = _files(tmp_path)

    async def main() -> None:
        q = JobQueue(StateStore.open(tmp_path / "state"), executor=Executor(load_inventory([str(inv)])),
                     heartbeat=0.05)
        register_builtin(q)
        drift_jobs.register(q)
        await q.start()
        try:
            book = ScheduleBook(q.store, clock=lambda: T0)
            run = book.add("* * * * *", ["run", "web", "-m", "ping"])
            limited = book.add("* * * * *", ["play", str(book_file), "-l", "web"])
            scan = book.add("* * * * *", ["drift", "scan", "web"])
            flow = book.add("* * * * *", ["play", str(wf)])
            allowed = book.add("* * * * *", ["run", "all", "-m", "ping", "-l", "web"], allow_no_hosts=True)
            fine = book.add("* * * * *", ["run", "l1", "-m", "ping"])
            firings = {f.schedule_id: f for f in await Scheduler(book, queue_submitter(q), clock=_At(T0 + 60)).tick()}
            assert {i: f.action for i, f in firings.items()} == {
                run.id: "failed", limited.id: "failed", scan.id: "failed", flow.id: "failed",
                allowed.id: "skipped", fine.id: "fired"}
            assert book.get(run.id).last_error == f"{NO_MATCH}, nothing run: 'web' (run PATTERN) in the owner's " \
                                                  "inventory: group 'web' has no host"
            # ansible-playbook -l web stops here too; the job used to succeed with no host
            assert book.get(limited.id).last_error == f"{NO_MATCH}, nothing run: 'web' (play --limit) in the " \
                                                      "owner's inventory: group 'web' has no host"
            assert book.get(scan.id).last_error.startswith(f"{NO_MATCH}, nothing run: 'web' (drift scan PATTERN)")
            assert book.get(flow.id).last_error == f"{wf}:4:5: {NO_MATCH}, nothing run: 'web' (workflow step 'a' " \
                                                   "hosts:) in the owner's inventory: group 'web' has no host"
            skipped = book.get(allowed.id)
            assert (skipped.last_error, skipped.skipped, skipped.last_job) == ("", 1, None)
            assert skipped.last_skip == (f"{NO_MATCH}, nothing run: 'web' (run --limit) in the owner's inventory: "
                                         "group 'web' has no host (added with --allow-no-hosts)")
            job = await q.wait(firings[fine.id].job_id)
            assert job.state == "succeeded" and list(job.per_host) == ["l1"]
            assert len(q.store.table("jobs")) == 1  # only the schedule whose hosts exist queued a job
        finally:
            await q.stop()
            await q.executor.close()
            q.store.close()

    asyncio.run(main())


def test_the_console_desk_checks_the_pattern_against_its_session_inventory(tmp_path: Path) -> None:
    inv, _, _ = _files(tmp_path)

    async def main() -> None:
        session = ConsoleSession(tmp_path / "state")
        await session.open()
        session.set_inventory(load_inventory([str(inv)]))
        desk = ScheduleDesk(session)
        try:
            try:
                await desk.add("@hourly", ["run", "web", "-m", "ping"])
            except NoHostsMatched as exc:
                assert exc.message.startswith(f"{NO_MATCH}: 'web' (run PATTERN) in {inv}")
            else:
                raise AssertionError("a pattern matching no host was stored")
            try:
                await desk.add("@hourly", ["run", "web[", "-m", "ping"], allow_no_hosts=True)
            except ScheduleError as exc:
                assert not isinstance(exc, NoHostsMatched) and "unbalanced '['" in exc.message
            else:
                raise AssertionError("a malformed pattern was stored")
            added = await desk.add("@hourly", ["run", "web", "-m", "ping"], allow_no_hosts=True)
            assert [(s.id, s.allow_no_hosts) for s in await desk.all()] == [(added.id, True)]
        finally:
            await session.close()

    asyncio.run(main())
