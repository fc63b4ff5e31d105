"""``jobs logs ID`` of a playbook job prints its tasks, and ``--follow`` exits with the
job's outcome (hR finding 10).

Before, it printed only the job's state lines (none of the PLAY/TASK lines, host results
or the recap the console's Logs pane shows for the same log), and ``-f`` exited 0 for a
failed job, so it could not be used to wait for a job and check it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: say hello
      command: echo hello-from-{{ inventory_hostname }}
    - name: fail on h2
      command: /bin/false
      when: inventory_hostname == 'h2'
"""


def _ftl(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(FTL_TUI_HOME=str(tmp_path / "state"), HOME=str(tmp_path), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "ftltui", *argv], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=180, check=False)


def test_logs_of_a_playbook_job_print_its_tasks_and_follow_exits_with_its_outcome(tmp_path: Path) -> None:
    py = sys.executable
    (tmp_path / "hosts.ini").write_text(f"h1 ansible_connection=local ansible_python_interpreter={py}\n"
                                        f"h2 ansible_connection=local ansible_python_interpreter={py}\n")
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    (tmp_path / "ok.yml").write_text(PLAYBOOK.replace("when: inventory_hostname == 'h2'", "when: false"))
    assert _ftl(tmp_path, "play", "site.yml", "-i", "hosts.ini").returncode == 2  # job 1: h2 failed
    assert _ftl(tmp_path, "play", "ok.yml", "-i", "hosts.ini").returncode == 0  # job 2: succeeded

    logs = _ftl(tmp_path, "jobs", "logs", "1")
    assert logs.returncode == 0, logs.stderr
    lines = logs.stdout.splitlines()
    for expected in ("TASK [say hello]", "TASK [fail on h2]", "h1 | skipped", "h2 | failed: non-zero return code"):
        assert expected in lines, logs.stdout
    assert any(ln.startswith("h1 | changed") for ln in lines), logs.stdout
    assert any(ln.startswith("h2 : ok=1") and "failed=1" in ln for ln in lines), logs.stdout  # the recap
    assert lines[-1].startswith("job failed"), logs.stdout

    followed = _ftl(tmp_path, "jobs", "logs", "1", "--follow")
    assert followed.returncode == 2, followed.stdout + followed.stderr
    assert followed.stdout == logs.stdout
    assert _ftl(tmp_path, "jobs", "logs", "2", "-f").returncode == 0
