"""A ``vars_prompt`` playbook as a client of an owner: asked here, run as the owner's job
(session 11, review finding 4; issue 16: the same output and exit status as alone).

eb4be20 moved the prompts before the state directory was taken, so with a daemon the command
asked every prompt (a private one too), then failed "state directory is in use" (exit 4). Now
the answers go with ``playbook.submit`` over the owner's 0600 socket (the private ones as job
secrets, as the console's play form sends them); the owner's job runs with them, and a private
answer is in no state file and nothing the daemon prints. Real daemon, real CLI on a pty.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from daemonhelp import start_daemon
from ptycli import cli_in_pty

from ftltui.paths import REPO_DIR

ANSWER = "hunter2-the-answer"


def _state_text(state: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file())


def test_a_private_prompt_is_asked_here_and_the_owners_job_runs_with_the_answer(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.ini"
    inv.write_text("h1 ansible_connection=local\n")
    (tmp_path / "site.yml").write_text("- hosts: h1\n  gather_facts: false\n  vars_prompt:\n    - name: secret_word\n"
                                       "      prompt: secret word\n  tasks:\n"
                                       "    - debug: msg=\"len={{ secret_word | length }}\"\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "ftltui", "play", "site.yml", "-i", str(inv), "--state-dir"]
    alone_code, alone = cli_in_pty([*argv, str(tmp_path / "alone")], b"secret word", ANSWER, cwd=tmp_path, env=env)
    state = tmp_path / "st"
    daemon = start_daemon(state, inventory=str(inv))
    try:
        code, screen = cli_in_pty([*argv, str(state)], b"secret word", ANSWER, cwd=tmp_path, env=env)
        jobs = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "list", "--json", "--state-dir", str(state)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon_out, daemon_err = daemon.communicate(timeout=60)
    assert alone_code == 0 and f"len={len(ANSWER)}" in alone, alone
    assert code == alone_code and "state directory" not in screen, screen
    assert screen.count("secret word") == 1 and ANSWER not in screen, screen
    assert screen.split("secret word", 1)[1] == alone.split("secret word", 1)[1], (screen, alone)
    assert [j["state"] for j in json.loads(jobs.stdout)] == ["succeeded"], jobs.stdout  # the owner ran it
    assert ANSWER not in daemon_out + daemon_err and ANSWER not in _state_text(state)
