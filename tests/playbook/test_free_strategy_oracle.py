"""``strategy: free`` text output against ansible-playbook 2.19 (issue 15, hC's audit):
ansible's default callback prints no banner when a host starts a task under free; a
result of a task other than the last banner's prints that task's banner first, so the
same task reached by several hosts in a row has one banner, and a banner is never empty.
ftl-tui printed ``TASK [one]`` once per host as each started it (three empty banners in
a row, then results under the wrong task's banner).

Hosts run at different speeds (``sleep`` of 0, 1 and 2 s: a workload, not a wait for
anything), so the interleaving is the machine's: the test checks the rule on both
outputs and that both report the same results per task and host, the same recap and exit.
"""

from __future__ import annotations

import itertools
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from test_play_cli import FTL, recap, run

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

BOOK = """\
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - name: one
      command: sleep {{ d }}
    - name: two
      debug: msg=two
    - name: three
      command: sleep {{ d }}
      changed_when: false
    - name: four
      debug: msg=four
      when: d != '1'
"""
BANNER = re.compile(r"^(TASK|RUNNING HANDLER) \[(.*)\] \*+$")
RESULT = re.compile(r"^(ok|changed|skipping|fatal|failed): \[([^\]]+)\]")


def blocks(stdout: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each banner's task and the (status, host) result lines under it, in order."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for line in stdout.splitlines():
        if line.startswith(("PLAY RECAP", "PLAY [")):
            out.append(("", []))  # results after this belong to no task
        elif m := BANNER.match(line):
            out.append((m.group(2), []))
        elif (m := RESULT.match(line)) and out:
            out[-1][1].append((m.group(1), m.group(2)))
    return [b for b in out if b[0]]


def test_free_strategy_prints_a_task_banner_as_results_come_as_ansible_playbook(tmp_path: Path) -> None:
    py = sys.executable
    (tmp_path / "inv.ini").write_text("".join(f"h{i} ansible_connection=local d={i - 1} ansible_python_interpreter={py}\n"
                                              for i in (1, 2, 3)))
    (tmp_path / "home").mkdir()
    (tmp_path / "free.yml").write_text(BOOK)
    theirs = run(tmp_path, ["ansible-playbook"], "free.yml", "-i", "inv.ini")
    ours = run(tmp_path, FTL, "free.yml", "-i", "inv.ini", "--state-dir", str(tmp_path / "state"))
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    for out in (theirs.stdout, ours.stdout):
        seen = blocks(out)
        assert all(results for _, results in seen), out  # no banner without a result under it
        names = [name for name, _ in seen]
        assert all(a != b for a, b in itertools.pairwise(names)), out  # a task's results in a row share one banner
    per_task = lambda out: Counter((name, status, host) for name, results in blocks(out) for status, host in results)
    assert per_task(ours.stdout) == per_task(theirs.stdout), ours.stdout
    assert (recap(ours.stdout), ours.returncode) == (recap(theirs.stdout), theirs.returncode)
