"""Vault values never leave a playbook run in plaintext: not on the screen, not in ``--json``,
not in the job log or anything else under the state directory.

The module path (``shell``) always masked them; controller-side actions (``debug``,
``set_fact`` and what is derived from it) rendered them on the controller and printed them.
ansible-playbook prints them (it has no such promise): ftl-tui differs on purpose, and the
recap is still ansible-playbook's.
"""

from __future__ import annotations

import json
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


def test_event_fields_are_each_free_text_or_identity():
    """A new event field must be sorted: masked as free text or passed as an identity field."""
    import dataclasses

    from ftltui.playbook import events
    from ftltui.playbook.state import FREE_TEXT_FIELDS, IDENTITY_FIELDS

    known = set(FREE_TEXT_FIELDS) | IDENTITY_FIELDS
    kinds = [c for c in vars(events).values()
             if isinstance(c, type) and issubclass(c, events.PlaybookEvent) and c is not events.PlaybookEvent]
    unsorted = {f"{c.__name__}.{f.name}" for c in kinds for f in dataclasses.fields(c)
                if f.name not in known and f.type not in ("bool", "int", "float")}
    assert unsorted == set()


HOST_PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="role {{ role }} pw {{ db_password }}"
    - command: "false"
      when: inventory_hostname == 'web2'
"""


def test_a_short_vaulted_value_inside_host_names_leaves_hosts_recap_and_job_record_alone(tmp_path):
    """A whole-file vault makes every value in it secret, ``role: web`` too: the recap, the
    ``--json`` stream and ``jobs show`` still name web1 and web2, and the secrets stay masked."""
    (tmp_path / "home").mkdir()
    (tmp_path / "pw").write_text("right-password\n")
    inv = tmp_path / "inv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.yml").write_text("all:\n  hosts:\n" + "".join(
        f"    {h}:\n      ansible_connection: local\n      ansible_python_interpreter: {sys.executable}\n"
        for h in ("web1", "web2")))
    plain = inv / "group_vars" / "all.yml"
    plain.write_text(f"role: web\ndb_password: {SECRET}\n")
    assert _run(tmp_path, "ansible-vault", "encrypt", "--vault-password-file", "pw", str(plain)).returncode == 0
    (tmp_path / "hosts.yml").write_text(HOST_PLAYBOOK)
    recap = re.compile(r"^(\S+)\s+: ok=", re.MULTILINE)

    ours = _run(tmp_path, sys.executable, "-m", "ftltui", "play", "hosts.yml", "-i", "inv",
                "--vault-password-file", "pw")
    assert ours.returncode == 2, ours.stdout + ours.stderr
    out = ours.stdout + ours.stderr
    assert recap.findall(ours.stdout) == ["web1", "web2"]
    assert "ok: [web1]" in out and "fatal: [web2]" in out
    assert "********1" not in out and "********2" not in out
    assert SECRET not in out
    assert '"msg": "role ******** pw ********"' in out  # the values themselves are masked in the text

    as_json = _run(tmp_path, sys.executable, "-m", "ftltui", "play", "hosts.yml", "-i", "inv",
                   "--vault-password-file", "pw", "--json")
    assert SECRET not in as_json.stdout + as_json.stderr
    hosts = {json.loads(line).get("host") for line in as_json.stdout.splitlines() if line.startswith("{")}
    assert {"web1", "web2"} <= hosts and not any(h and "*" in h for h in hosts)
    finished = [json.loads(line) for line in as_json.stdout.splitlines() if '"playbook.finished"' in line]
    assert finished and sorted(finished[-1]["stats"]) == ["web1", "web2"]

    shown = _run(tmp_path, sys.executable, "-m", "ftltui", "jobs", "show", "1", "--state-dir",
                 str(tmp_path / "state"))
    assert shown.returncode == 0, shown.stderr
    assert "web1" in shown.stdout and "web2" in shown.stdout, shown.stdout
    assert "********1" not in shown.stdout and "********2" not in shown.stdout
    assert "not in the recap" not in shown.stdout
    assert SECRET not in shown.stdout
    assert _state_files_with_secrets(tmp_path / "state") == []
