"""One ansible-playbook run for many oracle cases: each case is a task, each result comes back in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml


def play(tmp_path: Path, tasks: list[dict[str, Any]], *, name: str = "oracle") -> list[dict[str, Any]]:
    """Run ``tasks`` on localhost (local connection, this Python) in one play; their results in order.

    Every task gets ``ignore_errors: true`` so one failing case does not stop the others.
    """
    book = tmp_path / f"{name}.yml"
    tasks = [{"ignore_errors": True, **t} for t in tasks]
    book.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_NOCOLOR="1")
    p = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e",
                        f"ansible_python_interpreter={sys.executable}", str(book)],
                       env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    try:
        out = json.loads(p.stdout)
        return [t["hosts"]["localhost"] for t in out["plays"][0]["tasks"]]
    except (ValueError, KeyError, IndexError):
        raise AssertionError(f"ansible-playbook gave no results: {p.stdout[-2000:]} {p.stderr[-2000:]}") from None
