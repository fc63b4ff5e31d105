"""A read-only owner starts nothing, also when the command would run in this process
(hR #24). ``run`` and ``play`` hand their work to the directory's owner when they can; with
an option a job cannot carry (docs/api.md: ``-e``, ``-b``, ``-u``, ``-l``, ``--fail-fast``,
``-vv``, vault options ...) or another inventory they ran in the client's own process, so
``run -m ping`` was refused by a ``daemon --readonly`` and ``run -m ping -e x=1`` ran. Now
each of those paths gives the same refusal (exit 5). A real daemon, the real CLI."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

from daemonhelp import FTL, start_daemon

REFUSED = re.compile(r"^ftl-tui: error: read-only: (?P<action>run|play) refused \(the owner \(pid \d+\) serves "
                     r"\S+ read-only", re.MULTILINE)


def ftl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FTL, *args, "--state-dir", str(state)], capture_output=True, text=True, timeout=120,
                          check=False, stdin=subprocess.DEVNULL)


def test_a_readonly_owner_refuses_runs_that_would_stay_in_this_process(tmp_path: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    out.mkdir()
    (tmp_path / "other.ini").write_text("localhost ansible_connection=local\n")
    (tmp_path / "pw").write_text("x\n")
    playbook = tmp_path / "site.yml"
    playbook.write_text(f"- hosts: all\n  gather_facts: false\n  tasks:\n"
                        f"    - file: path={out}/played state=touch\n")
    touch = ("-m", "file", "-a", f"path={out}/{{{{ tag }}}} state=touch")
    runs = {  # each option docs/api.md names as making `run` work in this process
        "-e": ("-e", "tag=e"),
        "-u": ("-e", "tag=u", "-u", "nobody"),
        "-l": ("-e", "tag=l", "-l", "localhost"),
        "-D": ("-e", "tag=D", "-D"),
        "--fail-fast": ("-e", "tag=ff", "--fail-fast"),
        "--no-log": ("-e", "tag=nl", "--no-log"),
        "-vv": ("-e", "tag=vv", "-vv"),
        "vault": ("-e", "tag=vault", "--vault-password-file", str(tmp_path / "pw")),
    }
    plays = {
        "-f": ("-f", "3"),
        "-u": ("-u", "nobody"),
        "vault": ("--vault-password-file", str(tmp_path / "pw")),
    }
    daemon = start_daemon(state, "--readonly")
    try:
        results = {f"run {k}": ftl(state, "run", "localhost", "-i", "localhost,", *touch, *v) for k, v in runs.items()}
        results["run (another inventory)"] = ftl(state, "run", "localhost", "-i", str(tmp_path / "other.ini"),
                                                 "-m", "file", "-a", f"path={out}/inv state=touch")
        results |= {f"play {k}": ftl(state, "play", str(playbook), "-i", "localhost,", *v) for k, v in plays.items()}
        results["play (another inventory)"] = ftl(state, "play", str(playbook), "-i", str(tmp_path / "other.ini"))
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    for name, r in results.items():
        refused = REFUSED.search(r.stderr)
        assert r.returncode == 5 and refused, (name, r.returncode, r.stdout, r.stderr)
        assert refused["action"] == name.split()[0]
    assert sorted(p.name for p in out.iterdir()) == []  # nothing ran, here or in the owner
