"""The ``environment`` keyword, with ansible-playbook as the oracle.

One playbook holds every case (play, role, block and task levels, inner over outer, a list of
mappings, templated and typed values, a loop item, a vault value, the next play without
any); ansible-playbook and ``ftl-tui play`` run it and must leave the same files and the
same recap. Two local hosts: one runs ftl-tui's native command/shell (in the controller,
variables given to the spawned process), the other Ansible's own modules (in a forked
child of the gate, variables in ``os.environ``). One case runs over the SSH bed, become
included. Beyond the oracle: the value of a vaulted variable is in no process's argv and
in nothing ftl-tui prints.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from test_play_oracle import ORACLE, VAULT_ARGS, assert_same, run_both
from testbed import SUDOERS

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(900)]

SECRET = "s3cr3t from the vault"  # tests/playbook/corpus/oracle/vault.yml's vault_secret
ARGV_HITS = "argv-hits"  # ftl-tui only: Ansible puts the environment on a command line

PLAYBOOK = """\
- name: environment at every level
  hosts: all
  gather_facts: false
  vars_files: [VAULT]
  environment:
    FOO: play-foo
    BAR: play-bar
  vars:
    suffix: templated
  pre_tasks:
    - file: path="{{ out }}/{{ inventory_hostname }}" state=directory mode=0755
  roles:
    - role: envrole
      environment: {BAR: role-bar, ROLE: role-level}
  tasks:
    - name: play level
      shell: echo "$FOO $BAR" > "{{ out }}/{{ inventory_hostname }}/play"
    - name: task over play, a list of mappings, templated and typed values
      shell: echo "$FOO $BAR $NUM $FLAG $NONE" > "{{ out }}/{{ inventory_hostname }}/task"
      environment:
        - BAR: "{{ inventory_hostname }}-{{ suffix }}"
          NUM: 12
        - FLAG: true
          NONE: null
    - name: an environment from one template
      shell: echo "$FOO $BAR" > "{{ out }}/{{ inventory_hostname }}/whole"
      environment: "{{ {'BAR': suffix ~ '!'} }}"
    - block:
        - name: task over block over play
          shell: echo "$FOO $BAR" > "{{ out }}/{{ inventory_hostname }}/block"
          environment: {BAR: task-bar}
        - name: block over play (command with chdir)
          command: sh -c 'echo "$FOO $BAR $(pwd)" > "$0"' "{{ out }}/{{ inventory_hostname }}/block-only"
          args: {chdir: /}
      environment: {FOO: block-foo, BAR: block-bar}
    - name: a loop item
      shell: echo "$ITEM" >> "{{ out }}/{{ inventory_hostname }}/items"
      environment: {ITEM: "{{ item }}"}
      loop: [one, two]
    - name: registered
      command: printenv BAR
      environment: {BAR: registered}
      register: reg
      changed_when: false
    - copy: content="{{ reg.stdout }}\\n" dest="{{ out }}/{{ inventory_hostname }}/registered"
    - name: a vault value
      shell: printf '%s\\n' "$TOKEN" > "{{ out }}/{{ inventory_hostname }}/vaulted"
      environment: {TOKEN: "{{ vault_secret }}"}
    - name: no process shows it in its argv
      shell: |
        for f in /proc/[0-9]*/cmdline; do
          case "$(tr '\\0' ' ' < "$f" 2>/dev/null)" in *"$TOKEN"*) echo "$f" ;; esac
        done > "{{ out }}/{{ inventory_hostname }}/ARGV_HITS"
      environment: {TOKEN: "{{ vault_secret }}"}
    - name: raw is a command line, not a module process
      raw: echo "[$FOO] [$RAW]" > "{{ out }}/{{ inventory_hostname }}/raw"
      environment: {RAW: raw}
    - name: not the controller's environment
      copy: content="[{{ lookup('env', 'FOO') }}]\\n" dest="{{ out }}/{{ inventory_hostname }}/controller"

- name: the next play has none
  hosts: all
  gather_facts: false
  tasks:
    - shell: echo "[$FOO] [$BAR] [$TOKEN] [$ITEM]" > "{{ out }}/{{ inventory_hostname }}/after"

- name: facts see it (ansible_env)
  hosts: all
  gather_subset: [env]
  environment: {FACT_ENV: gathered}
  tasks:
    - copy: content="{{ ansible_env.FACT_ENV }}\\n" dest="{{ out }}/{{ inventory_hostname }}/gathered"
    - setup: gather_subset=env
      environment: {FACT_ENV: explicit}
    - copy: content="{{ ansible_env.FACT_ENV }}\\n" dest="{{ out }}/{{ inventory_hostname }}/explicit"
""".replace("VAULT", str(ORACLE / "vault.yml")).replace("ARGV_HITS", ARGV_HITS)


ROLE_TASKS = """\
- name: role level over play, task over role
  shell: echo "$FOO $BAR $ROLE $TASK" > "{{ out }}/{{ inventory_hostname }}/role"
  environment: {TASK: role-task}
"""


def _local_inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"native ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                   f"ansible ansible_connection=local ansible_python_interpreter={sys.executable} "
                   f"ftl_ansible_modules=command,shell\n")
    return inv


def _without_argv_hits(res: dict[str, dict]) -> list[str]:
    """Take the ftl-tui-only file out of both trees; return ftl-tui's hits."""
    hits = []
    for side in ("ansible", "ftl-tui"):
        files = res[side]["files"]
        for name in [n for n in files if n.endswith(ARGV_HITS)]:
            content = files.pop(name)[0]
            if side == "ftl-tui" and content.strip():
                hits.append(f"{name}: {content.strip()}")
    return hits


def test_environment_levels_equal_ansible_playbook_on_local_hosts(tmp_path: Path) -> None:
    book = tmp_path / "env.yml"
    book.write_text(PLAYBOOK)
    (tmp_path / "roles" / "envrole" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "envrole" / "tasks" / "main.yml").write_text(ROLE_TASKS)
    res = run_both(str(book), _local_inventory(tmp_path), *VAULT_ARGS)
    hits = _without_argv_hits(res)
    assert_same(res)
    ours = res["ftl-tui"]
    assert not hits, hits
    files = {k: v[0] for k, v in ours["files"].items()}
    # the cases really exercised what they name (an empty environment would also agree if both broke)
    assert files["native/task"] == "play-foo native-templated 12 True None\n"
    assert files["ansible/block"] == "block-foo task-bar\n"
    assert files["native/role"] == files["ansible/role"] == "play-foo role-bar role-level role-task\n"
    assert files["native/vaulted"] == files["ansible/vaulted"] == SECRET + "\n"
    assert files["native/after"] == "[] [] [] []\n"
    assert files["native/raw"] == "[] []\n"  # Ansible's raw never gets it
    assert files["native/gathered"] == "gathered\n" and files["native/explicit"] == "explicit\n"
    assert SECRET not in ours["stdout"] + ours["stderr"]


@pytest.mark.ssh
def test_environment_over_ssh_and_with_become_equals_ansible_playbook(sshbed, tmp_path: Path) -> None:
    import json

    if not SUDOERS.exists():
        sshbed._ensure_become()  # the become task needs the bed's sudoers rules
    common = {"ansible_python_interpreter": "/usr/bin/python3"}
    hosts = {"h01": {**sshbed.host_vars("h01"), **common},
             "h02": {**sshbed.host_vars("h02"), **common, "ftl_ansible_modules": "command,shell"},
             "loc": {**common, "ansible_connection": "local"}}  # become on the local connection: a sudo gate
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"vars": {"ansible_ssh_common_args":
                                                f"-o UserKnownHostsFile={sshbed.known_hosts}"}, "hosts": hosts}}))
    book = tmp_path / "env-ssh.yml"
    book.write_text("""\
- hosts: all
  gather_facts: false
  environment: {FOO: play-foo, BAR: play-bar}
  tasks:
    - file: path="{{ out }}/{{ inventory_hostname }}" state=directory mode=0777
    - shell: echo "$FOO $BAR $ONCE" > "{{ out }}/{{ inventory_hostname }}/plain"
      environment: {BAR: "{{ inventory_hostname }}-bar", ONCE: only-here}
    - name: become another user
      shell: echo "$(id -un) $FOO $BAR" > "{{ out }}/{{ inventory_hostname }}/become"
      become: true
      become_user: ftlnopw
      environment: {BAR: become-bar}
    - name: the same gates, the next call
      shell: echo "[$BAR] [$ONCE]" > "{{ out }}/{{ inventory_hostname }}/next"
      environment: {}
""")
    res = run_both(str(book), inv)
    assert_same(res)
    files = {k: v[0] for k, v in res["ftl-tui"]["files"].items()}
    assert files["h01/plain"] == "play-foo h01-bar only-here\n"
    assert files["h02/next"] == files["loc/next"] == "[play-bar] []\n"
    assert files["h02/become"] == files["loc/become"] == "ftlnopw play-foo become-bar\n"

