"""A play whose inline ``!vault`` value cannot be decrypted fails where the value is used, as
ansible-playbook does ("Attempting to decrypt but no vault secrets found"), whatever the use
(session 11, review finding 2): ``| length`` read 1 and the play exited 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.paths import REPO_DIR
from ftltui.vault.envelope import encrypt

USES = {
    "length": 'debug: msg="len={{ token | length }}"',
    "when": "debug: msg=ran\n      when: token",
    "compare": 'debug: msg="eq={{ token == \'\' }}"',
    "concat": 'debug: msg="{{ token ~ \'\' }}"',
    "loop": 'debug: msg="{{ item }}"\n      loop: "{{ token | list }}"',
}


@pytest.mark.parametrize("use", sorted(USES))
def test_an_undecryptable_value_fails_its_task_alone_without_a_password(tmp_path: Path, use: str) -> None:
    body = "".join(f"        {line}\n" for line in encrypt(b"s3cret-value", b"pw").strip().splitlines())
    (tmp_path / "pb.yml").write_text("- hosts: h1\n  gather_facts: false\n  vars:\n    token: !vault |\n" + body +
                                     f"  tasks:\n    - {USES[use]}\n")
    (tmp_path / "hosts.ini").write_text("h1 ansible_connection=local\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "ftltui", "play", "pb.yml", "-i", "hosts.ini", "--state-dir", "st"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "vault" in out and "len=1" not in out and "eq=False" not in out, out
