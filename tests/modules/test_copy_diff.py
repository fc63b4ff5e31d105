"""Native ``copy`` under ``--check --diff``: the diff ansible-playbook prints, headers included.

One playbook, run by ansible-playbook and by ``ftl-tui play`` on a bed host (SSH, the source
file uploaded) and on localhost (local connection): content over an existing file and into a
new one, a controller ``src`` over an existing file and into a new one, and files whose
content is already right but whose mode or owner/group are not (Ansible's file step diff).
Every task's printed diff and host lines must be the same, and so must the recap.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: setup runs even in check mode
      file: {path: "{{ out }}/{{ inventory_hostname }}", state: directory, mode: "0777"}
      check_mode: false
    - name: existing files, written for real
      copy: {content: "old\\nsame\\n", dest: "{{ out }}/{{ inventory_hostname }}/{{ item }}", mode: "0644"}
      check_mode: false
      loop: [content, src, attrs, same]
    - name: content over a file
      copy: {content: "new\\nsame\\n", dest: "{{ out }}/{{ inventory_hostname }}/content"}
    - name: content into a new file
      copy: {content: "created\\n", dest: "{{ out }}/{{ inventory_hostname }}/created"}
    - name: src over a file
      copy: {src: "{{ src }}", dest: "{{ out }}/{{ inventory_hostname }}/src"}
    - name: src into a new file
      copy: {src: "{{ src }}", dest: "{{ out }}/{{ inventory_hostname }}/src-new"}
    - name: right content, other mode
      copy: {content: "old\\nsame\\n", dest: "{{ out }}/{{ inventory_hostname }}/attrs", mode: "0600"}
    - name: right content, other owner and group
      copy: {content: "old\\nsame\\n", dest: "{{ out }}/{{ inventory_hostname }}/attrs", owner: "{{ other_user }}",
             group: "{{ other_group }}"}
    - name: right content, symbolic mode that changes nothing
      copy: {content: "old\\nsame\\n", dest: "{{ out }}/{{ inventory_hostname }}/same", mode: "u=rw"}
    - name: src with the same content, other mode
      copy: {src: "{{ same_src }}", dest: "{{ out }}/{{ inventory_hostname }}/same", mode: "0640"}
"""


def _task_blocks(stdout: str) -> dict[str, list[str]]:
    """Each task's printed lines, sorted (hosts finish in any order)."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in stdout.splitlines():
        if line.startswith("TASK ["):
            current = line[6:line.index("]")]
            blocks[current] = []
        elif line.startswith("PLAY "):
            current = None
        elif current is not None and line.strip():
            blocks[current].append(line)
    return {name: sorted(lines) for name, lines in blocks.items()}


def test_check_diff_prints_what_ansible_playbook_prints(sshbed, tmp_path: Path) -> None:
    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps({"all": {"hosts": {
        "h01": {**sshbed.host_vars("h01"), "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_ssh_common_args": f"-o UserKnownHostsFile={sshbed.known_hosts}"},
        "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    play = tmp_path / "copy_diff.yml"
    play.write_text(PLAYBOOK)
    printed = {}
    other = pwd.getpwnam("nobody")  # an owner and group the files do not have (as named on this system)
    for side in ("ansible", "ftl-tui"):
        out = Path(tempfile.mkdtemp(prefix=f"ftl-copydiff-{side}-", dir="/var/tmp"))
        out.chmod(0o777)
        src = tmp_path / side / "source.txt"  # the same name on both sides: it is the after header
        src.parent.mkdir()
        src.write_text("from the controller\nsame\n")
        same_src = tmp_path / side / "same.txt"
        same_src.write_text("old\nsame\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        if side == "ansible":
            env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="True", ANSIBLE_LOCALHOST_WARNING="False",
                       ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_DEPRECATION_WARNINGS="False")
            cmd = ["ansible-playbook"]
        else:
            env["NO_COLOR"] = "1"
            cmd = [sys.executable, "-m", "ftltui", "play"]
        try:
            p = subprocess.run([*cmd, str(play), "-i", str(inv), "-C", "-D", "-e", f"out={out}", "-e", f"src={src}",
                                "-e", f"same_src={same_src}", "-e", f"other_user={other.pw_name}", "-e",
                                f"other_group={grp.getgrgid(other.pw_gid).gr_name}"],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        text = p.stdout.replace(str(out), "<out>").replace(str(src.parent), "<src>")
        printed[side] = (p.returncode, _task_blocks(text), text[text.index("PLAY RECAP"):] if "PLAY RECAP" in text
                         else p.stdout + p.stderr)
    theirs, ours = printed["ansible"], printed["ftl-tui"]
    assert theirs[0] == 0, theirs[2]
    assert any(line.startswith("--- before: <out>/h01/") for line in theirs[1]["content over a file"])
    copy_tasks = [task for task in theirs[1] if task != "setup runs even in check mode"]  # the file module's
    assert len(copy_tasks) == 9
    assert {task: ours[1].get(task) for task in copy_tasks} == {task: theirs[1][task] for task in copy_tasks}
    assert ours[2] == theirs[2]
    assert ours[0] == theirs[0]
