"""``jobs logs|show|list`` print a host's text as ``run`` and the console do: escape sequences
stripped, other controls shown as ``\\xNN`` (docs/hardening.md, hR #18). The job log keeps
the text as it came; before, ``jobs logs`` wrote it raw to the operator's terminal (clear
screen, window title, NUL). A real workflow job on localhost, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ftltui.paths import REPO_DIR

HOSTILE = r"printf 'x\033[31mRED\033[0m \033]0;TITLE\007\033[2J\033[H end\001\n'"
WORKFLOW = f"""\
name: hostile
hosts: localhost
steps:
  - name: say
    module: shell
    args: "{HOSTILE.replace(chr(92), chr(92) * 2)}"
  - name: fail
    module: shell
    args: "{HOSTILE.replace(chr(92), chr(92) * 2)} >&2; exit 3"
    depends_on: [say]
"""
RAW = ("\x1b", "\x07", "\x00", "\x01")


def ftl(*args: str, state: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)], check=False,
                          capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def test_jobs_logs_show_and_list_never_print_a_hosts_terminal_escapes(tmp_path: Path) -> None:
    state = tmp_path / "st"
    (tmp_path / "wf.yml").write_text(WORKFLOW)
    played = ftl("play", str(tmp_path / "wf.yml"), state=state)
    assert played.returncode == 2, played.stdout + played.stderr  # the second step fails
    assert not any(c in played.stdout for c in RAW)  # play itself was already safe

    as_json = ftl("jobs", "logs", "1", "--json", state=state)
    said = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert any("\x1b]0;TITLE\x07" in str(r.get("text")) for r in said)  # the log keeps what the host said

    for cmd in (("jobs", "logs", "1"), ("jobs", "show", "1"), ("jobs", "list")):
        out = ftl(*cmd, state=state)
        assert out.returncode == 0, out.stderr
        assert not [c for c in RAW if c in out.stdout], (cmd, out.stdout)
    logs = ftl("jobs", "logs", "1", state=state).stdout
    assert "say localhost | xRED  end\\x01" in logs


def test_jobs_logs_of_a_playbook_job_never_prints_a_hosts_terminal_escapes(tmp_path: Path) -> None:
    state = tmp_path / "st"
    (tmp_path / "inv.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "site.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        f"    - shell: \"{HOSTILE.replace(chr(92), chr(92) * 2)}; exit 3\"\n      ignore_errors: true\n"
        "    - fail:\n        msg: \"bye\\e]0;TITLE\\a\\e[2J\\x01\"\n      ignore_errors: true\n")
    played = ftl("play", str(tmp_path / "site.yml"), "-i", str(tmp_path / "inv.ini"), state=state)
    assert played.returncode == 0, played.stdout + played.stderr
    said = ftl("jobs", "logs", "1", "--json", state=state).stdout
    assert "\\u001b]0;TITLE" in said  # the log keeps the raw text
    logs = ftl("jobs", "logs", "1", state=state)
    assert logs.returncode == 0 and "TASK [shell]" in logs.stdout, logs.stdout + logs.stderr
    assert not [c for c in RAW if c in logs.stdout], logs.stdout
