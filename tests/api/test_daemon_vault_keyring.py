"""``ftl-tui daemon --vault-password-file`` decrypts its playbook jobs' inline ``!vault`` values
(session 11, review finding 2).

The daemon loaded its inventory with its keyring but built its session without it, so the
playbook loader of a client's ``play`` (run as the owner's job) had no password: ``{{ token }}``
failed "no vault password given" and ``{{ token | length }}`` read the undecrypted value as a
one-key mapping, ``len=1``, exit 0. Real daemon, real CLI; the same command alone with the
password is the reference.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from daemonhelp import start_daemon

from ftltui.paths import REPO_DIR
from ftltui.vault.envelope import encrypt

PASSWORD = "owner horse battery"
VALUE = "s3cret-Decrypted-value"


def _playbook(tmp_path: Path) -> Path:
    body = "".join(f"        {line}\n" for line in encrypt(VALUE.encode(), PASSWORD.encode()).strip().splitlines())
    pb = tmp_path / "inline.yml"
    pb.write_text("- hosts: h1\n  gather_facts: false\n  vars:\n    token: !vault |\n" + body +
                  "  tasks:\n    - debug: msg=\"len={{ token | length }}\"\n"
                  "    - debug: msg=\"long enough\"\n      when: token | length > 5\n")
    return pb


def test_a_daemon_with_a_vault_password_decrypts_a_playbooks_inline_vault_values(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.ini"
    inv.write_text("h1 ansible_connection=local\n")
    _playbook(tmp_path)
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "NO_COLOR": "1"}
    alone = subprocess.run([sys.executable, "-m", "ftltui", "play", "inline.yml", "-i", str(inv),
                            "--vault-password-file", "pw.txt", "--state-dir", str(tmp_path / "alone")],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False)
    state = tmp_path / "st"
    daemon = start_daemon(state, "--vault-password-file", str(tmp_path / "pw.txt"), inventory=str(inv))
    try:
        client = subprocess.run([sys.executable, "-m", "ftltui", "play", "inline.yml", "-i", str(inv),
                                 "--state-dir", str(state)],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon_out, daemon_err = daemon.communicate(timeout=60)
    assert alone.returncode == 0 and f"len={len(VALUE)}" in alone.stdout, alone.stdout + alone.stderr
    assert client.returncode == alone.returncode, client.stdout + client.stderr
    assert f"len={len(VALUE)}" in client.stdout and "long enough" in client.stdout, client.stdout + client.stderr
    assert "state directory" not in client.stderr, client.stderr  # the owner ran it
    assert VALUE not in daemon_out + daemon_err and PASSWORD not in daemon_out + daemon_err
