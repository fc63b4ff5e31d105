"""``jobs retry --ask-vault-pass`` through an owner hands the vault password to the owner
(session 11, defect 5).

With a daemon owning the state, ``jobs retry`` is the owner's ``jobs.again``; the vault
options were not among the options it carries, so the command fell back to running here,
where the state directory is the owner's: the password typed for nothing. Now the
password read on this terminal goes in the request's ``vault`` argument (the owner's 0600
socket, never argv, never the queue or the state): the owner adds it to its keyring, reads
its inventory again, and the re-run decrypts the value it failed without. Real daemon, real
CLI on a pty, a real inventory with an inline ``!vault`` value.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from daemonhelp import start_daemon
from ptycli import cli_in_pty

from ftltui.console import ConsoleSession
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR
from ftltui.vault.envelope import encrypt

PASSWORD = "owner horse battery"
VALUE = "s3cret-Decrypted-value"


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "vinv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.ini").write_text("h1 ansible_connection=local\n")
    body = "".join(f"  {line}\n" for line in encrypt(VALUE.encode(), PASSWORD.encode()).strip().splitlines())
    (inv / "group_vars" / "all.yml").write_text("token: !vault |\n" + body)
    return inv


def _failed_without_the_password(state: Path, inv: Path) -> int:
    async def run() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("h1", "shell", {"_raw_params": "echo got={{ token }}"})
            done = await s.queue.wait(job.id)
            assert done.state == "failed" and "vault" in done.reason, done.reason
            return job.id

    return asyncio.run(run())


def _state_text(state: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file())


def test_retry_ask_vault_pass_through_an_owner_gives_it_the_password(tmp_path: Path) -> None:
    state, inv = tmp_path / "st", _inventory(tmp_path)
    job_id = _failed_without_the_password(state, inv)
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "NO_COLOR": "1"}
    daemon = start_daemon(state, inventory=str(inv))
    try:
        code, screen = cli_in_pty([sys.executable, "-m", "ftltui", "jobs", "retry", str(job_id), "-i", str(inv),
                                   "--ask-vault-pass", "--state-dir", str(state)], b"Vault password", PASSWORD,
                                  cwd=tmp_path, env=env)
        shown = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "show", str(job_id + 1), "--json",
                                "--state-dir", str(state)], capture_output=True, text=True, env=env,
                               timeout=120, check=False)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon_out, daemon_err = daemon.communicate(timeout=60)
    assert code == 0, screen
    assert "state directory" not in screen, screen  # the owner ran it, not this process
    new = json.loads(shown.stdout)
    assert new["state"] == "succeeded" and new["parent"] == job_id, new
    assert screen.count("Vault password") == 1 and PASSWORD not in screen, screen
    assert PASSWORD not in daemon_out + daemon_err and VALUE not in daemon_out + daemon_err
    assert PASSWORD not in _state_text(state) and VALUE not in _state_text(state)
