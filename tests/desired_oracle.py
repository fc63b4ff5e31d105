"""The ansible-playbook oracle for desired-state drift (``--check --diff``), shared by the
tests that compare a drift report with what ansible-playbook says would change
(tests/playbook/test_gaps_desired.py, tests/drift/test_desired_playbook_batches.py).

Both run the two tools the same way (no ANSIBLE_* from the caller's environment, no
colour, a private HOME) and read ansible-playbook's ``changed: [host]`` lines per task.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path


def run_in(work: Path, *cmd: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    """``cmd`` in ``work`` with a clean Ansible environment (``env_extra`` added, e.g. a roles path)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_LOCALHOST_WARNING="False", HOME=str(work / "home"),
               ANSIBLE_RETRY_FILES_ENABLED="False", **env_extra)
    return subprocess.run(list(cmd), cwd=work, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def ansible_changed(text: str) -> set[tuple[str, str]]:
    """(task, host) pairs ansible-playbook reports changed, handlers left out."""
    out: set[tuple[str, str]] = set()
    task = None
    for line in text.splitlines():
        m = re.match(r"^(TASK|RUNNING HANDLER) \[(.+?)\] \*+$", line)
        if m:
            task = m.group(2) if m.group(1) == "TASK" else None
            continue
        m = re.match(r"^changed: \[(\S+?)\]", line)
        if m and task is not None:
            out.add((task, m.group(1)))
    return out
