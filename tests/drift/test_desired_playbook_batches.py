"""Desired drift of a playbook (issue 15 review): one entry per task however many
``serial`` batches run it, and roles found through ``roles_path`` load.

The oracle: ansible-playbook ``--check --diff`` with ``serial: 1`` on the same three
local hosts reports ``changed`` for exactly the (task, host) pairs the drift report
names (the collector used to key tasks by how often their label had been seen, so each
batch made a new ``TASK #2``, ``#3`` entry). ``drift show --desired`` and
:func:`check_workflow` pass ansible.cfg's ``roles_path`` (they passed none, so a role
that only lives there failed to load).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from desired_oracle import ansible_changed, run_in

from ftltui.playbook.desired_record import DesiredCollector
from ftltui.playbook.events import HostTaskResult, PlayStarted, TaskStarted

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  serial: 1
  roles: [motd]
  tasks:
    - name: app config
      copy:
        dest: "{{ out }}/{{ inventory_hostname }}.conf"
        content: "port=8080\\n"
    - name: only h3
      copy: dest="{{ out }}/{{ inventory_hostname }}.extra" content="x\\n"
      when: inventory_hostname == 'h3'
"""
ROLE_TASKS = """\
- name: write motd
  copy:
    dest: "{{ out }}/{{ inventory_hostname }}.motd"
    content: "welcome\\n"
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("desired-batches")
    py = sys.executable
    out = tmp / "out"
    out.mkdir()
    (tmp / "inv.ini").write_text("".join(f"h{i} ansible_connection=local ansible_python_interpreter={py}\n"
                                         for i in (1, 2, 3)) + f"[all:vars]\nout={out}\n")
    (tmp / "site.yml").write_text(PLAYBOOK)
    role = tmp / "shared-roles" / "motd" / "tasks"  # not beside the playbook: found through roles_path only
    role.mkdir(parents=True)
    (role / "main.yml").write_text(ROLE_TASKS)
    (out / "h2.conf").write_text("port=8080\n")  # in sync
    (out / "h1.motd").write_text("welcome\n")
    (tmp / "home").mkdir()
    return tmp


def _run(work: Path, *cmd: str) -> subprocess.CompletedProcess[str]:
    return run_in(work, *cmd, ANSIBLE_ROLES_PATH=str(work / "shared-roles"))


@pytest.fixture(scope="module")
def expected(work: Path) -> set[tuple[str, str]]:
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-core not installed")
    theirs = _run(work, "ansible-playbook", "site.yml", "-i", "inv.ini", "-C", "-D")
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    pairs = ansible_changed(theirs.stdout)
    assert pairs == {("motd : write motd", "h2"), ("motd : write motd", "h3"), ("app config", "h1"),
                     ("app config", "h3"), ("only h3", "h3")}, theirs.stdout
    return pairs


async def test_serial_batches_make_one_entry_per_task(work: Path, expected: set[tuple[str, str]]) -> None:
    from ftltui.drift.desired import check_playbook, check_workflow
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory

    async with Executor(load_inventory(str(work / "inv.ini"))) as ex:
        changes, warnings = await check_playbook(ex, work / "site.yml", roles_path=[work / "shared-roles"])
        assert {(c.id, c.host) for c in changes} == expected, [(c.id, c.host) for c in changes]
        assert warnings == []
        assert all(c.source == "declared" and c.diff for c in changes)
        again, _ = await check_workflow(ex, work / "site.yml", roles_path=[str(work / "shared-roles")])
        assert {(c.id, c.host) for c in again} == expected
    assert not (work / "out" / "h1.conf").exists()  # check mode changed nothing


def test_drift_show_desired_finds_roles_in_roles_path(work: Path, expected: set[tuple[str, str]]) -> None:
    shown = _run(work, sys.executable, "-m", "ftltui", "drift", "show", "all", "-i", "inv.ini",
                 "--desired", "site.yml", "--format", "json")
    assert shown.returncode in (0, 1), shown.stdout + shown.stderr
    assert "write motd" in shown.stdout and "app config" in shown.stdout, shown.stdout + shown.stderr
    assert "#2" not in shown.stdout and "#3" not in shown.stdout


def _task(play: int, tid: str, label: str, path: str) -> TaskStarted:
    return TaskStarted(play, tid, label, "copy", path)


def _changed(play: int, tid: str, host: str) -> HostTaskResult:
    return HostTaskResult(play, tid, host, "changed", {"changed": True})


def test_collector_keys_by_place_in_the_batch_not_by_label() -> None:
    c = DesiredCollector()
    events: list[Any] = []
    for batch, host in enumerate(("h1", "h2")):  # two serial batches of one play
        events.append(PlayStarted(0, "p", (host,), "site.yml:1"))
        events += [_task(0, f"{batch}a", "same name", "site.yml:5"), _changed(0, f"{batch}a", host),
                   _task(0, f"{batch}b", "same name", "site.yml:9"), _changed(0, f"{batch}b", host),
                   _task(0, f"{batch}c", "inc", "inc.yml:1"), _changed(0, f"{batch}c", host),
                   _task(0, f"{batch}d", "inc", "inc.yml:1"), _changed(0, f"{batch}d", host)]  # included twice
    for e in events:
        c(e)
    assert {k: sorted(v["results"]) for k, v in c.steps.items()} == {
        "same name": ["h1", "h2"], "same name #2": ["h1", "h2"], "inc": ["h1", "h2"], "inc #2": ["h1", "h2"]}
