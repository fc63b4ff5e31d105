"""A ``no_log`` task whose template fails says why, as ansible-playbook 2.19 does (hD
finding 3): the ``[ERROR]`` block names the template error (a vault value that cannot be
decrypted, an undefined variable), never ``Module failed.`` (the module never ran), with
the task's ``Origin:`` and, as the last ``caused by``, where the failing value was
written (the ``!vault`` value in group_vars, the task argument); the ``fatal:`` line
stays censored. Compared with ansible-playbook block by block on the same playbook, plus
the recap, the exit status and the censored lines.

Known differences, kept: Ansible's first line also names the argument (``Error while
resolving value for 'content':``) and its middle ``caused by`` steps; ftl-tui's vault
message names the variable, the vault id and the fix where Ansible says ``Attempt to use
undecryptable variable``; a template file's own path is not named as the last cause; the
``msg`` of a template failure lacks Ansible's ``Task failed: Finalization ...`` prefix."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from runner_oracle import ansible, ftl, local_inventory

from ftltui.playbook.options import PlayOptions
from ftltui.playbook.output_text import TextOutput

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: vault value in a module arg
      copy:
        content: "password={{ db_password }}\\n"
        dest: "{{ out }}/secret"
      no_log: true
      ignore_errors: true
    - name: undefined in a module arg
      copy:
        content: "x={{ nope_module }}\\n"
        dest: "{{ out }}/never"
      no_log: true
      ignore_errors: true
    - name: undefined in a debug arg
      debug:
        msg: "{{ nope_debug }}"
      no_log: true
      ignore_errors: true
    - name: undefined per item
      copy:
        content: "{{ item }}={{ nope_item }}\\n"
        dest: "{{ out }}/never2"
      loop: [1]
      no_log: true
      ignore_errors: true
    - name: undefined in a template file
      template:
        src: t.j2
        dest: "{{ out }}/never3"
      no_log: true
      ignore_errors: true
    - name: not hidden, same words
      copy:
        content: "x={{ nope_shown }}\\n"
        dest: "{{ out }}/never4"
      ignore_errors: true
"""
_KEY = re.compile(r"Error while resolving value for '[^']+': ")


def _blocks(text: str) -> list[dict[str, Any]]:
    """Each [ERROR] block: its first line, its Origin lines, the text of its last cause and
    the context lines under its last Origin."""
    out: list[dict[str, Any]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("[ERROR]: "):
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(("fatal:", "failed:")))
        body = lines[i:end]
        origins = [n for n, b in enumerate(body) if b.startswith("Origin: ")]
        causes = [n for n, b in enumerate(body) if b == "<<< caused by >>>"]
        context = []
        for b in body[origins[-1] + 2:]:
            if not b.strip():
                break
            context.append(b.rstrip())
        out.append({"first": line, "origins": [body[n] for n in origins], "context": context,
                    "cause": body[causes[-1] + 2] if causes else None, "fatal": lines[end]})
    return out


def test_no_log_template_errors_say_why_as_ansible_playbook(tmp_path: Path) -> None:
    pb = tmp_path / "pb.yml"
    pb.write_text(PLAYBOOK)
    (tmp_path / "t.j2").write_text("x={{ nope_template }}\n")
    vault_pw = tmp_path / "vault-pw"
    vault_pw.write_text("not given to the runs\n")
    vaulted = subprocess.run(["ansible-vault", "encrypt_string", "--vault-password-file", str(vault_pw),
                              "s3cret-value", "--name", "db_password"], capture_output=True, text=True, check=True)
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(vaulted.stdout)
    inv = local_inventory(tmp_path, ["a"])
    a_rc, a_recap, a_text = ansible(pb, inv, tmp_path / "ansible", "-f", "1")
    events: list[Any] = []
    f_rc, f_recap = ftl(pb, inv, tmp_path / "ftl", PlayOptions(forks=1), events)
    buf = io.StringIO()
    out = TextOutput(buf, io.StringIO(), colour=False, width=80)
    for e in events:
        out(e)
    f_text = buf.getvalue()
    a_blocks, f_blocks = _blocks(a_text), _blocks(f_text)
    assert len(a_blocks) == len(f_blocks) == 6, (a_text, f_text)
    assert "Module failed" not in f_text and "s3cret-value" not in f_text
    vault, *undefined, template, shown = zip(a_blocks, f_blocks)
    for a, f in (vault, *undefined, shown):
        assert f["origins"][0] == a["origins"][0]
        assert f["origins"][-1] == a["origins"][-1], (f, a)  # the !vault value's place, the argument's
        assert f["context"] == a["context"]
    for a, f in (vault, *undefined, template):
        assert f["fatal"] == a["fatal"] and "censored" in f["fatal"]  # under no_log, in both
    for a, f in (*undefined, shown):
        assert f["first"] == _KEY.sub("", a["first"])
        assert f["cause"] == _KEY.sub("", a["cause"])
    a, f = vault
    prefix = "[ERROR]: Task failed: Finalization of task args for 'ansible.builtin.copy' failed: Error rendering template: "
    assert _KEY.sub("", a["first"]).startswith(prefix) and f["first"].startswith(prefix)
    assert "variable 'db_password': cannot decrypt value (vault id 'default'): no vault password given" in f["cause"]
    a, f = template
    assert (f["first"], f["origins"][0], f["fatal"]) == (a["first"], a["origins"][0], a["fatal"])
    assert (f_recap, f_rc) == (a_recap, a_rc)


def test_adhoc_no_log_template_error_says_why_as_ansible(tmp_path: Path) -> None:
    """``ftl-tui run --no-log``: a template error is the engine's own message (the module
    never ran), readable as Ansible prints it (``ansible -e ansible_no_log=true``); a
    module's failure stays censored (ftl-tui is the stricter one there)."""
    inv = local_inventory(tmp_path, ["a"])
    env = {**os.environ, "FTL_TUI_HOME": str(tmp_path / "state"), "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCALHOST_WARNING": "False", "HOME": str(tmp_path)}

    def both(args: str) -> tuple[str, str]:
        theirs = subprocess.run(["ansible", "a", "-i", str(inv), "-m", "command", "-a", args,
                                 "-e", '{"ansible_no_log": true}'], capture_output=True, text=True, env=env,
                                cwd=tmp_path, check=False, timeout=120)
        ours = subprocess.run([sys.executable, "-m", "ftltui", "run", "a", "-i", str(inv), "--no-log", "-m",
                               "command", "-a", args], capture_output=True, text=True, env=env, cwd=tmp_path,
                              check=False, timeout=120)
        assert theirs.returncode == 2 and ours.returncode == 2, (theirs, ours)
        return theirs.stdout + theirs.stderr, ours.stdout + ours.stderr

    theirs, ours = both("echo {{ nope_adhoc }}")
    assert "'nope_adhoc' is undefined" in theirs
    assert "'nope_adhoc' is undefined" in ours and "censored" not in ours, ours
    _theirs, ours = both("false")
    assert "censored" in ours and "non-zero return code" not in ours, ours
