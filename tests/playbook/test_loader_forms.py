"""Task forms: how the loader splits free-form and k=v arguments equals how ansible-playbook
splits them, shown by what ansible-playbook ran (a shell task's registered ``cmd`` is its
free-form text, ``pwd`` shows ``chdir``, ``cat`` shows ``stdin``; set_fact's k=v become
facts). One ansible-playbook run for the whole corpus file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ftltui.playbook.loader import load_playbook
from ftltui.playbook.model import Task

FORMS = Path(__file__).parent / "corpus" / "loader" / "forms" / "forms.yml"


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("forms") / "out.json"
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e",
                           f"ansible_python_interpreter={sys.executable}", "-e", f"out={out}", str(FORMS)],
                          capture_output=True, text=True, env=env, cwd=FORMS.parent, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    play = load_playbook(FORMS).plays[0]
    return {t.name: t for t in play.tasks if isinstance(t, Task) and t.name}


def test_free_form_text_and_kept_args_equal_ansible(ran: dict[str, Any], tasks: dict[str, Task]) -> None:
    assert len(ran["shell"]) == 12
    for name, result in ran["shell"].items():
        args = tasks[name].args
        assert tasks[name].action == "shell", name
        assert args["_raw_params"] == result["cmd"], name
        if "chdir" in args:
            assert result["stdout"].splitlines()[-1] == args["chdir"], name
        if "stdin" in args:
            assert result["stdout"] == args["stdin"], name


def test_set_fact_kv_values_equal_ansible(ran: dict[str, Any], tasks: dict[str, Task]) -> None:
    assert tasks["kv"].args == ran["facts"]


def test_args_merge_and_local_action(tasks: dict[str, Task]) -> None:
    assert tasks["s5"].args == {"_raw_params": "echo from args && pwd", "chdir": "/tmp"}
    assert tasks["s12"].keywords["delegate_to"] == "localhost"
    assert tasks["s12"].args["chdir"] == "/tmp"
