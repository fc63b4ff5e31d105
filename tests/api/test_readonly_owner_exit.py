"""A write command against a ``ftl-tui daemon --readonly`` exits 5, as every read-only refusal.

docs/readonly.md: a refused write is a usage error (exit 5, "read-only: ACTION refused
(why)"). Through a read-only owner the client used to exit 4 with the server's words
("run.submit: this is a read-only session"). A real daemon, the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

from daemonhelp import FTL, start_daemon

INVENTORY = "localhost,"
REFUSED = re.compile(r"^ftl-tui: error: read-only: (?P<action>[a-z ]+) refused \(the owner \(pid \d+\) serves "
                     r"\S+ read-only\)$", re.MULTILINE)


def ftl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=120,
                          check=False)


def test_every_write_command_through_a_readonly_owner_exits_5(tmp_path: Path) -> None:
    state = tmp_path / "state"
    playbook = tmp_path / "site.yml"
    playbook.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n")
    workflow = tmp_path / "flow.yml"
    workflow.write_text("name: f\nhosts: localhost\nsteps:\n  - name: a\n    module: ping\n")
    commands = {
        "run": ("run", "localhost", "-i", INVENTORY, "-m", "ping"),
        "play": ("play", str(playbook), "-i", INVENTORY),
        "workflow": ("play", str(workflow), "-i", INVENTORY),
        "drift scan": ("drift", "scan", "all", "-i", INVENTORY),
        "drift baseline": ("drift", "baseline", "localhost", "-i", INVENTORY),
        "jobs cancel": ("jobs", "cancel", "1"),
        "jobs purge": ("jobs", "purge", "--older-than", "1d"),
        "jobs retry": ("jobs", "retry", "1", "-i", INVENTORY),
        "jobs requeue": ("jobs", "requeue", "1", "-i", INVENTORY),
        "schedule add": ("schedule", "add", "0 3 * * *", "run", "all", "-m", "ping"),
        "schedule rm": ("schedule", "rm", "1"),
    }
    first = ftl(state, "play", str(workflow), "-i", INVENTORY)  # job 1, before the read-only owner
    assert first.returncode == 0, first.stderr
    daemon = start_daemon(state, "--readonly")
    try:
        results = {name: ftl(state, *argv) for name, argv in commands.items()}
        listed = ftl(state, "jobs", "list", "--json")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    for name, r in results.items():
        assert r.returncode == 5, (name, r.returncode, r.stderr)
        refused = REFUSED.search(r.stderr)
        assert refused and refused["action"] == ("play" if name == "workflow" else name), (name, r.stderr)
    assert listed.returncode == 0 and [j["id"] for j in json.loads(listed.stdout)] == [1]  # nothing was queued
