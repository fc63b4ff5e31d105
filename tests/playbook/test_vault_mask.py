"""Vault values never leave a playbook run in plaintext: not on the screen, not in ``--json``,
not in the job log or anything else under the state directory.

The module path (``shell``) always masked them; controller-side actions (``debug``,
``set_fact`` and what is derived from it) rendered them on the controller and printed them.
ansible-playbook prints them (it has no such promise): ftl-tui differs on purpose, and the
recap is still ansible-playbook's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(shutil.which("ansible-vault") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

SECRET = "s3cr3t-Hunter2"
INLINE = "inl1ne-S3cret"
PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - debug: var=db_password
    - debug: msg="pw is {{ db_password }} / {{ inline_pw }}"
    - set_fact:
        derived: "{{ db_password }}-x"
    - debug: var=derived
    - debug: var=inline_pw
    - shell: echo {{ db_password }}
"""
RECAP = re.compile(r"^localhost\s+: (.*)$", re.MULTILINE)


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "FTL_TUI"))}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_LOCALHOST_WARNING="False", HOME=str(work / "home"),
               FTL_TUI_HOME=str(work / "state"))
    return env


def _run(work: Path, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), check=False, cwd=work, env=_env(work), capture_output=True, text=True,
                          timeout=300,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    (tmp_path / "pw").write_text("right-password\n")
    inv = tmp_path / "inv"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "hosts.yml").write_text(f"all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                                   f"      ansible_python_interpreter: {sys.executable}\n")
    # a wholly encrypted vars file, made by ansible-vault itself
    plain = inv / "group_vars" / "all" / "vault.yml"
    plain.write_text(f"db_password: {SECRET}\n")
    assert _run(tmp_path, "ansible-vault", "encrypt", "--vault-password-file", "pw", str(plain)).returncode == 0
    assert SECRET not in plain.read_text()
    # and an inline !vault value
    inline = _run(tmp_path, "ansible-vault", "encrypt_string", "--vault-password-file", "pw", INLINE,
                  "--name", "inline_pw")
    assert inline.returncode == 0, inline.stderr
    (inv / "group_vars" / "all" / "inline.yml").write_text(inline.stdout)
    (tmp_path / "sec.yml").write_text(PLAYBOOK)
    return tmp_path


def _state_files_with_secrets(state: Path) -> list[str]:
    return [str(p.relative_to(state)) for p in state.rglob("*") if p.is_file()
            and (SECRET.encode() in p.read_bytes() or INLINE.encode() in p.read_bytes())]


def test_debug_and_set_fact_of_vault_values_are_masked_on_screen_json_and_job_log(work):
    theirs = _run(work, "ansible-playbook", "sec.yml", "-i", "inv", "--vault-password-file", "pw")
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert SECRET in theirs.stdout  # ansible-playbook shows it: ftl-tui promises more

    ours = _run(work, sys.executable, "-m", "ftltui", "play", "sec.yml", "-i", "inv", "--vault-password-file", "pw")
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert RECAP.findall(ours.stdout) == RECAP.findall(theirs.stdout)
    out = ours.stdout + ours.stderr
    assert SECRET not in out and INLINE not in out
    assert '"db_password": "********"' in out
    assert '"msg": "pw is ******** / ********"' in out
    assert '"derived": "********-x"' in out  # derived by templating: the secret inside is masked
    assert '"inline_pw": "********"' in out

    as_json = _run(work, sys.executable, "-m", "ftltui", "play", "sec.yml", "-i", "inv", "--vault-password-file", "pw",
                   "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert '"********-x"' in as_json.stdout
    assert SECRET not in as_json.stdout + as_json.stderr and INLINE not in as_json.stdout + as_json.stderr

    state = work / "state"
    assert list((state / "logs").glob("*.jsonl")), "the job log is on disk"
    assert _state_files_with_secrets(state) == []
