"""``play`` and ``run`` hand the vault passwords they read to the owner (session 11, review
finding 3; issue 16: a client says and exits as the same command alone).

As a client of a daemon, ``play site.yml --ask-vault-pass`` asked the password, then failed
"state directory is in use" (exit 4); with ansible.cfg's ``vault_password_file`` or
``ANSIBLE_VAULT_PASSWORD_FILE`` (no vault *option*) the play and ``run`` became the owner's
jobs without the password and failed "no vault password given". Now the passwords go in the
request's ``vault`` argument (the owner's 0600 socket; never argv, never the queue or state),
as ``jobs retry --ask-vault-pass`` sends them. Each case has its own daemon, started without a
password: an owner keeps a password a client gave, so one case must not help the next.
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
from ftltui.vault.envelope import encrypt

PASSWORD = "owner horse battery"
VALUE = "s3cret-Decrypted-value"


def _project(tmp_path: Path) -> Path:
    """An inventory with an inline !vault value and a playbook with a vaulted vars_files file."""
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "hosts.ini").write_text("h1 ansible_connection=local\n")
    body = "".join(f"  {line}\n" for line in encrypt(VALUE.encode(), PASSWORD.encode()).strip().splitlines())
    (tmp_path / "group_vars" / "all.yml").write_text("token: !vault |\n" + body)
    (tmp_path / "vars.yml").write_text(encrypt(b"token2: " + VALUE.encode() + b"\n", PASSWORD.encode()))
    (tmp_path / "site.yml").write_text("- hosts: h1\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks:\n"
                                       "    - debug: msg=\"len={{ token2 | length }} {{ token | length }}\"\n")
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n")
    return tmp_path / "hosts.ini"


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_DIR), "NO_COLOR": "1", **extra}


def _state_text(state: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file())


def _cli(tmp_path: Path, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftltui", *argv], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=180, check=False)


def _through_owner(tmp_path: Path, inv: Path, argv: list[str], env: dict[str, str]) -> tuple[
        subprocess.CompletedProcess[str], list[dict[str, object]], str]:
    """``argv`` as a client of a fresh daemon (no vault password of its own): the result, the
    owner's jobs, and what the daemon printed."""
    state = tmp_path / "st"
    daemon = start_daemon(state, inventory=str(inv))
    try:
        client = _cli(tmp_path, [*argv, "--state-dir", str(state)], env)
        jobs = _cli(tmp_path, ["jobs", "list", "--json", "--state-dir", str(state)], env)
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=60)
    assert PASSWORD not in _state_text(state) and VALUE not in _state_text(state)
    return client, json.loads(jobs.stdout), out + err


def test_play_with_ansible_cfg_vault_password_file_is_the_owners_job_and_decrypts(tmp_path: Path) -> None:
    inv = _project(tmp_path)
    (tmp_path / "ansible.cfg").write_text("[defaults]\nvault_password_file = pw.txt\n")
    argv = ["play", "site.yml", "-i", str(inv)]
    alone = _cli(tmp_path, [*argv, "--state-dir", str(tmp_path / "alone")], _env())
    client, jobs, daemon_said = _through_owner(tmp_path, inv, argv, _env())
    assert alone.returncode == 0 and f"len={len(VALUE)} {len(VALUE)}" in alone.stdout, alone.stdout + alone.stderr
    assert (client.returncode, client.stdout) == (alone.returncode, alone.stdout), client.stdout + client.stderr
    assert [j["state"] for j in jobs] == ["succeeded"], jobs  # the owner ran it
    assert PASSWORD not in daemon_said and VALUE not in daemon_said


def test_run_with_the_vault_password_file_env_is_the_owners_job_and_decrypts(tmp_path: Path) -> None:
    inv = _project(tmp_path)
    env = _env(ANSIBLE_CONFIG=str(tmp_path / "none.cfg"), ANSIBLE_VAULT_PASSWORD_FILE=str(tmp_path / "pw.txt"))
    argv = ["run", "h1", "-i", str(inv), "-m", "debug", "-a", "msg=len={{ token | length }}"]
    alone = _cli(tmp_path, [*argv, "--state-dir", str(tmp_path / "alone")], env)
    client, jobs, daemon_said = _through_owner(tmp_path, inv, argv, env)
    assert alone.returncode == 0 and f"len={len(VALUE)}" in alone.stdout, alone.stdout + alone.stderr
    assert (client.returncode, client.stdout) == (alone.returncode, alone.stdout), client.stdout + client.stderr
    assert [j["state"] for j in jobs] == ["succeeded"], jobs
    assert PASSWORD not in daemon_said and VALUE not in daemon_said


def test_play_ask_vault_pass_through_an_owner_asks_once_and_the_owner_runs_it(tmp_path: Path) -> None:
    inv = _project(tmp_path)
    state = tmp_path / "st"
    daemon = start_daemon(state, inventory=str(inv))
    try:
        code, screen = cli_in_pty([sys.executable, "-m", "ftltui", "play", "site.yml", "-i", str(inv),
                                   "--ask-vault-pass", "--state-dir", str(state)], b"Vault password", PASSWORD,
                                  cwd=tmp_path, env=_env())
        jobs = _cli(tmp_path, ["jobs", "list", "--json", "--state-dir", str(state)], _env())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon_out, daemon_err = daemon.communicate(timeout=60)
    assert code == 0 and "state directory" not in screen, screen
    assert screen.count("Vault password") == 1 and PASSWORD not in screen, screen
    assert f"len={len(VALUE)} {len(VALUE)}" in screen, screen
    assert [j["state"] for j in json.loads(jobs.stdout)] == ["succeeded"], jobs.stdout
    assert PASSWORD not in daemon_out + daemon_err and VALUE not in daemon_out + daemon_err
    assert PASSWORD not in _state_text(state) and VALUE not in _state_text(state)


def test_a_workflow_with_a_vault_password_file_is_the_owners_job_and_decrypts(tmp_path: Path) -> None:
    inv = _project(tmp_path)
    (tmp_path / "wf.yml").write_text("name: vaulted\nhosts: h1\nsteps:\n  - name: say\n    module: command\n"
                                     "    args: \"echo len={{ token | length }}\"\n")
    argv = ["play", "wf.yml", "-i", str(inv), "--vault-password-file", "pw.txt"]
    alone = _cli(tmp_path, [*argv, "--state-dir", str(tmp_path / "alone")], _env())
    client, jobs, daemon_said = _through_owner(tmp_path, inv, argv, _env())
    assert alone.returncode == 0 and f"len={len(VALUE)}" in alone.stdout, alone.stdout + alone.stderr
    assert (client.returncode, client.stdout) == (alone.returncode, alone.stdout), client.stdout + client.stderr
    assert [j["state"] for j in jobs] == ["succeeded"], jobs
    assert PASSWORD not in daemon_said and VALUE not in daemon_said
