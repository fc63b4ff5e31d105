"""A CLI ``play`` whose ``vars_prompt`` was answered on the terminal keeps on its job which
prompts were answered, so ``jobs requeue`` asks for them again (session 11, defect 4).

The answers were typed into the run (the playbook runner asked), so the job never knew:
its record had no ``prompt:NAME`` kind, and its re-run had no terminal answer and no
default ("vars_prompt 'secret_word': no answer"). Now ``play`` asks them before queueing,
as the console's play form does: the private answer is a job secret (kind and name
stored, value never), the re-run asks for it on the terminal (or takes ``--secret
NAME=ENV``). Real CLI processes on a pty, a real state dir, a local host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ptycli import cli_in_pty

from ftltui.paths import REPO_DIR

WORD = "hunter22word"
PLAYBOOK = ("- hosts: h1\n  gather_facts: false\n  vars_prompt:\n    - name: secret_word\n"
            "      prompt: Secret word\n  tasks:\n    - debug: msg=\"len={{ secret_word | length }}\"\n")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(PYTHONPATH=str(REPO_DIR), NO_COLOR="1", HOME=str(tmp_path / "home"), FTL_TUI_HOME=str(tmp_path / "st"))
    return env


def _state_text(state: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file())


def test_a_terminal_answer_is_kept_by_kind_and_asked_again_by_requeue(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "inv.ini").write_text(f"h1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (tmp_path / "prompt.yml").write_text(PLAYBOOK)
    env, ftl = _env(tmp_path), [sys.executable, "-m", "ftltui"]

    code, screen = cli_in_pty([*ftl, "play", "-i", "inv.ini", "prompt.yml"], b"Secret word", WORD,
                              cwd=tmp_path, env=env)
    assert code == 0 and '"msg": "len=12"' in screen and WORD not in screen, screen
    shown = subprocess.run([*ftl, "jobs", "show", "1", "--json"], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=120, check=True)
    job = json.loads(shown.stdout)
    assert job["secret_kinds"] == ["prompt:secret_word"] and job["spec"]["answers"] == {"secret_word": "********"}

    code, screen = cli_in_pty([*ftl, "jobs", "requeue", "1", "-i", "inv.ini"], b"secret_word:", "abc",
                              cwd=tmp_path, env=env)
    assert code == 0 and screen.count("secret_word:") == 1 and "job 2: succeeded" in screen, screen
    logs = subprocess.run([*ftl, "jobs", "logs", "2", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120, check=True)
    assert "len=3" in logs.stdout, logs.stdout  # the answer typed again, not the mask (len=8)
    assert WORD not in _state_text(tmp_path / "st")
