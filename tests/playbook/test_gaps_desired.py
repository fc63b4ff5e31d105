"""``ftl-tui play PLAYBOOK --check --diff`` feeds desired-state drift (issue 15), as
``play --check`` of a workflow does: after the recap, every (task, host) that would change
is a ``desired`` change with the module's diff (on stderr: stdout stays
ansible-playbook's); tasks in sync, hosts in sync and handlers
add nothing; ``--json`` ends with the same report in the recap object. The oracle:
ansible-playbook ``--check --diff`` on the same files reports ``changed`` for exactly
those (task, host) pairs. ``drift show --desired`` takes the playbook as it takes a
workflow."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from desired_oracle import ansible_changed, run_in

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(600)]

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: app config
      copy:
        dest: "{{ out }}/{{ inventory_hostname }}.conf"
        content: "port=8080\\n"
      notify: restart
    - name: in sync
      file: path={{ out }} state=directory
    - name: a loop of files
      copy: dest="{{ out }}/{{ inventory_hostname }}-{{ item }}" content="{{ item }}\\n"
      loop: [x]
      when: inventory_hostname == 'h1'
  handlers:
    - name: restart
      command: "true"
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("desired")
    py = sys.executable
    (tmp / "inv.ini").write_text(f"[web]\nh1 ansible_connection=local ansible_python_interpreter={py}\n"
                                 f"h2 ansible_connection=local ansible_python_interpreter={py}\n"
                                 f"[all:vars]\nout={tmp / 'out'}\n")
    (tmp / "site.yml").write_text(PLAYBOOK)
    (tmp / "out").mkdir()
    (tmp / "out" / "h1.conf").write_text("port=80\n")
    (tmp / "out" / "h2.conf").write_text("port=8080\n")
    (tmp / "home").mkdir()
    return tmp


def test_check_diff_of_a_playbook_reports_desired_drift(work: Path) -> None:
    args = ["site.yml", "-i", "inv.ini", "-C", "-D", "-e", f"out={work / 'out'}"]
    theirs = run_in(work, "ansible-playbook", *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    expected = ansible_changed(theirs.stdout)
    assert expected == {("app config", "h1"), ("a loop of files", "h1")}, theirs.stdout

    ours = run_in(work, sys.executable, "-m", "ftltui", "play", *args)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert "desired-state drift" not in ours.stdout  # stdout stays ansible-playbook's; the report is on stderr
    text = ours.stderr
    assert "desired-state drift (what this playbook would change):" in text, text
    report = text[text.index("desired-state drift"):]
    rows = {(m.group(2).strip(), m.group(1)) for m in
            re.finditer(r"^medium\s+config\s+(\S+)\s+desired\s+(.+?)\s+modified", report, re.M)}
    assert rows == expected, report
    assert "-port=80\n+port=8080" in report and "in sync" not in report and "restart" not in report
    assert (work / "out" / "h1.conf").read_text() == "port=80\n"  # check mode changed nothing

    as_json = run_in(work, sys.executable, "-m", "ftltui", "play", *args, "--json")
    last = json.loads(as_json.stdout.strip().splitlines()[-1])
    drift = last["desired_drift"]
    assert {(g["id"], h) for g in drift["groups"] for h in g["hosts"]} == expected, drift


def test_drift_show_desired_takes_a_playbook(work: Path) -> None:
    shown = run_in(work, sys.executable, "-m", "ftltui", "drift", "show", "all", "-i", "inv.ini",
                   "--desired", "site.yml")
    assert "app config" in shown.stdout and "a loop of files" in shown.stdout, shown.stdout + shown.stderr


async def test_drift_show_desired_of_a_playbook_runs_only_on_the_limit(tmp_path: Path) -> None:
    """``drift show --desired site.yml -l l1``: the check run is limited, not only its report,
    so a ``check_mode: false`` task (which really runs) never touches a host outside it."""
    from ftltui.drift.desired import check_playbook
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory

    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  vars: {ansible_connection: local}\n  hosts: {l1: {}, l2: {}}\n")
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n"
                    f"    - command: touch {tmp_path}/ran-{{{{ inventory_hostname }}}}\n"
                    "      check_mode: false\n")
    async with Executor(load_inventory(str(inv))) as ex:
        await check_playbook(ex, book, ["l1"])
    assert sorted(p.name for p in tmp_path.glob("ran-*")) == ["ran-l1"]
