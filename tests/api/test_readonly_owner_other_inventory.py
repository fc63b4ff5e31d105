"""A read-only owner answers a write command that would have to run in the client truthfully.

A client's ``drift scan``, workflow or ``jobs retry`` on another inventory than the
owner's (or with an option the owner's jobs do not carry) is not the owner's job: it
would run in the client, on the state directory the owner holds. Through a read-only
owner (a ``--readonly`` console, ``ftl-tui daemon --readonly``) the client used to go on
and fail with "state directory is in use by pid N" (exit 2 or 4), which is not what
stopped it. Now: "read-only: ACTION refused (the owner (pid N) serves STATE read-only:
it starts nothing ...)", exit 5, as every other read-only refusal (docs/readonly.md).

Real processes: the owner is a real console on a pseudo-terminal, or a real daemon; the
clients are the real CLI in subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemonhelp import FTL, start_daemon
from ptycli import spawn

OWNER_INVENTORY = "localhost,"
OTHER_INVENTORY = "127.0.0.1,localhost,"
REFUSED = re.compile(r"^ftl-tui: error: read-only: (?P<action>[a-z ]+) refused \(the owner \(pid (?P<pid>\d+)\) "
                     r"serves (?P<state>\S+) read-only: it starts nothing, and this (?P=action) (?P<why>.+) would "
                     r"need the state directory it holds; stop that owner \(or start it without --readonly\), or "
                     r"give this command another --state-dir\)$", re.MULTILINE)


def ftl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=120,
                          check=False)


def _drain(fd: int) -> None:
    """Read the console's screen output so it never blocks on a full pty."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def _console(state: Path) -> Iterator[int]:
    """A real ``ftl-tui --readonly`` console owning ``state``; yields its pid."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30")
    pid, fd = spawn([*FTL, "--readonly", "-i", OWNER_INVENTORY, "--state-dir", str(state)], env=env)
    threading.Thread(target=_drain, args=(fd,), daemon=True).start()
    try:
        deadline = time.monotonic() + 60  # a guard against a console that never comes up, not a speed check
        while not (state / "api.sock").exists():
            done, _ = os.waitpid(pid, os.WNOHANG)
            assert done == 0 and time.monotonic() < deadline, "the console did not start"
            time.sleep(0.05)
        yield pid
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)


def _daemon(state: Path) -> Iterator[int]:
    proc = start_daemon(state, "--readonly", inventory=OWNER_INVENTORY)
    try:
        yield proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


@pytest.mark.parametrize("owner", [_console, _daemon], ids=["console", "daemon"])
def test_commands_that_would_run_here_are_refused_as_read_only(tmp_path: Path, owner) -> None:
    state = tmp_path / "state"
    workflow = tmp_path / "flow.yml"
    workflow.write_text("name: f\nhosts: localhost\nsteps:\n  - name: a\n    module: ping\n")
    first = ftl(state, "play", str(workflow), "-i", OWNER_INVENTORY)  # job 1, before the read-only owner
    assert first.returncode == 0, first.stderr
    commands = {
        "drift scan on another inventory": ("drift scan", ("drift", "scan", "all", "-i", OTHER_INVENTORY)),
        "drift scan with --forks": ("drift scan", ("drift", "scan", "all", "-i", OWNER_INVENTORY, "--forks", "2")),
        "workflow on another inventory": ("play", ("play", str(workflow), "-i", OTHER_INVENTORY)),
        "jobs retry on another inventory": ("jobs retry", ("jobs", "retry", "1", "-i", OTHER_INVENTORY)),
    }
    owner_run = owner(state)
    pid = next(owner_run)
    try:
        results = {name: ftl(state, *argv) for name, (_, argv) in commands.items()}
        # run needs no state directory: on another inventory it would have run here (a
        # read-only console's welcome is writable; it used to run it)
        ran = ftl(state, "run", "all", "-m", "ping", "-i", OTHER_INVENTORY)
        listed = ftl(state, "jobs", "list", "--json")
    finally:
        next(owner_run, None)
    for name, (action, _) in commands.items():
        r = results[name]
        assert r.returncode == 5, (name, r.returncode, r.stderr)
        assert "in use" not in r.stderr, (name, r.stderr)
        refused = REFUSED.search(r.stderr)
        assert refused, (name, r.stderr)
        assert (refused["action"], int(refused["pid"]), refused["state"]) == (action, pid, str(state)), name
        whys = {"with options the owner's jobs do not carry"} if "--forks" in name else \
            {"on another inventory than the owner's"}
        if action == "jobs retry":  # retry's options (its secrets) are judged first: either is true
            whys.add("with options the owner's jobs do not carry")
        assert refused["why"] in whys, (name, r.stderr)
    assert ran.returncode == 5 and ran.stderr.strip() == (
        f"ftl-tui: error: read-only: run refused (the owner (pid {pid}) serves {state} read-only; "
        "this run would have run in this process instead)"), ran.stderr
    assert listed.returncode == 0 and [j["id"] for j in json.loads(listed.stdout)] == [1]  # nothing was queued


def test_a_writable_owner_on_another_inventory_refuses_naming_both(tmp_path: Path) -> None:
    """The refusal is the read-only owner's: a writable owner on another inventory holds
    the directory, and the client's scan says so, naming both inventories (exit 2, drift's
    error; it said "state directory is in use" until issue 16's fix:
    tests/cli/test_workflow_drift_other_inventory_owner.py)."""
    state = tmp_path / "state"
    proc = start_daemon(state, inventory=OWNER_INVENTORY)
    try:
        r = ftl(state, "drift", "scan", "all", "-i", OTHER_INVENTORY)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert r.returncode == 2 and f"the owner (pid {proc.pid}) of {state} serves inventory" in r.stderr, r.stderr
    assert "read-only" not in r.stderr and "in use" not in r.stderr, r.stderr
