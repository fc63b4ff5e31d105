"""`ftl-tui run` with -b/--become-user/--become-password-file against `ansible` itself.

The oracle decides who wins when the command line and the inventory disagree (Ansible:
inventory variables beat command-line options); ftl-tui must pick the same user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from ptycli import cli_in_pty

from testbed import BECOME_PASSWORD as PASSWORD
from testbed import BECOME_USER, NOPASSWD_USER

from become_helpers import inventory_for  # type: ignore[import-not-found]

pytestmark = [pytest.mark.ssh]
REPO = Path(__file__).resolve().parents[2]

CASES = {
    "cli-only": ({}, ["-b", "--become-user", BECOME_USER]),
    "inventory-user-beats-cli-user": ({"ansible_become_user": NOPASSWD_USER}, ["-b", "--become-user", BECOME_USER]),
    "inventory-only": ({"ansible_become": True, "ansible_become_user": NOPASSWD_USER}, []),
    "inventory-off-beats-cli-on": ({"ansible_become": False}, ["-b", "--become-user", BECOME_USER]),
    "no-become": ({}, []),
}


def _ours(inv: Path, pwfile: Path, extra: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    r = subprocess.run([sys.executable, "-m", "ftltui", "run", "h01", "-m", "command", "-a", "id -un",
                        "-i", str(inv), "--become-password-file", str(pwfile), *extra],
                       capture_output=True, text=True, cwd=inv.parent, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert PASSWORD not in r.stdout + r.stderr
    return r.stdout.strip().splitlines()[-1]


def _theirs(inv: Path, pwfile: Path, extra: list[str], work: Path) -> str:
    home = work / "home"
    home.mkdir(exist_ok=True)
    env = dict({k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}, HOME=str(home),
               ANSIBLE_LOCAL_TEMP=str(work / "tmp"), ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="True",
               ANSIBLE_HOST_KEY_CHECKING="True",
               # ssh's ControlPath is a Unix socket (108 bytes at most): keep it off the deep tmp_path
               ANSIBLE_SSH_CONTROL_PATH_DIR=tempfile.mkdtemp(prefix="cp", dir="/tmp"))
    r = subprocess.run(["ansible", "h01", "-i", str(inv), "-m", "command", "-a", "id -un",
                        "--become-password-file", str(pwfile), *extra],
                       capture_output=True, text=True, cwd=work, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")
@pytest.mark.parametrize("case", list(CASES))
def test_who_runs_the_module_matches_ansible(sshbed, bed_sudoers, tmp_path, case) -> None:
    hostvars, extra = CASES[case]
    inv = inventory_for(tmp_path / "inv.json", sshbed, {"h01": dict(hostvars)})
    pwfile = tmp_path / "become-pass"
    pwfile.write_text(PASSWORD + "\n")
    ours, theirs = _ours(inv, pwfile, extra), _theirs(inv, pwfile, extra, tmp_path)
    assert theirs in (BECOME_USER, NOPASSWD_USER, "ftltest"), theirs  # the last line: id -un's output
    print(f"{case}: ansible ran as {theirs}, ftl-tui as {ours}")
    assert ours == theirs


def test_wrong_password_exit_code_and_message(sshbed, bed_sudoers, tmp_path) -> None:
    inv = inventory_for(tmp_path / "inv.json", sshbed, {"h01": {}})
    pwfile = tmp_path / "become-pass"
    pwfile.write_text("not-the-password\n")
    r = subprocess.run([sys.executable, "-m", "ftltui", "run", "h01", "-m", "ping", "-i", str(inv), "-b",
                        "--become-user", BECOME_USER, "--become-password-file", str(pwfile)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr  # a failed host, as ansible
    assert "h01: sudo: incorrect password for user ftltest on h01" in r.stdout
    assert "not-the-password" not in r.stdout + r.stderr


def test_ask_become_pass_on_a_terminal(sshbed, bed_sudoers, tmp_path) -> None:
    """-K: the password typed at 'BECOME password:' (not echoed) reaches sudo on the host."""
    inv = inventory_for(tmp_path / "inv.json", sshbed, {"h01": {}})
    argv = [sys.executable, "-m", "ftltui", "run", "h01", "-m", "command", "-a", "id -un", "-i", str(inv), "-b",
            "--become-user", BECOME_USER, "-K"]
    rc, screen = cli_in_pty(argv, b"BECOME password:", PASSWORD, cwd=tmp_path)
    import re

    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", screen)  # the terminal's colours
    assert text.count("BECOME password:") == 1, text
    assert rc == 0, text
    assert [ln.strip() for ln in text.splitlines() if ln.strip()][-2:] == ["h01 | CHANGED | rc=0 >>", BECOME_USER], text
    assert PASSWORD not in text  # not echoed, not printed
