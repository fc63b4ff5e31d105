"""``ftl-tui play site.yml`` with a live owner: the playbook is the owner's job; what
the command prints and its exit status equal ``play`` alone, and the recap and exit
status equal ``ansible-playbook``'s on the same playbook (the oracle)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_daemon_cli import INVENTORY, ftl, start_daemon, stop

SITE = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: say
      command: echo hi
      tags: [talk]
    - name: loop
      debug: msg="{{ item }} {{ greeting | default('x') }}"
      loop: [a, b]
    - name: write
      copy: content="v1\\n" dest={{ out }}
    - name: fail but go on
      command: "false"
      ignore_errors: true
"""
FAILING = """\
- hosts: all
  gather_facts: false
  tasks:
    - command: "false"
    - debug: msg=never
"""
BROKEN = """\
- hosts: all
  tasks:
    - name: bad
      no_such_module_anywhere: {}
"""
VOLATILE = re.compile(r'"(ts|delta|start|end|duration|run_id)": ?("[^"]*"|[0-9.e-]+)')


def normal(text: str) -> str:
    return VOLATILE.sub(r'"\1": "X"', text)


@pytest.fixture
def books(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("site", SITE), ("failing", FAILING), ("broken", BROKEN)):
        out[name] = tmp_path / f"{name}.yml"
        out[name].write_text(text)
    return out


def cases(books: dict[str, Path], tmp_path: Path) -> list[tuple[str, ...]]:
    dest = f"out={tmp_path / 'written.txt'}"
    site = str(books["site"])
    return [("play", site, "-e", dest), ("play", site, "-e", dest, "-D", "-C"), ("play", site, "-e", dest, "-t", "talk"),
            ("play", site, "-e", dest, "-e", "greeting=hello", "--json"), ("play", site, "-e", dest, "-v"),
            ("play", str(books["failing"])), ("play", str(books["broken"]))]


def run_all(state: Path, argvs: list[tuple[str, ...]]) -> list[tuple[int, str, str]]:
    res = []
    for argv in argvs:
        done = ftl(state, *argv, "-i", INVENTORY)
        res.append((done.returncode, normal(done.stdout), normal(done.stderr)))
    return res


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="needs ansible-playbook (the oracle)")
def test_play_through_the_owner_prints_and_exits_as_play_alone_and_ansible(books, tmp_path: Path) -> None:
    argvs = cases(books, tmp_path)
    state = tmp_path / "state"
    daemon = start_daemon(state)
    try:
        through = run_all(state, argvs)
        jobs = json.loads(ftl(state, "jobs", "list", "--json").stdout)
    finally:
        code, err = stop(daemon)
    assert code == 0, err
    (tmp_path / "written.txt").unlink()  # play alone starts from the same files
    alone = run_all(tmp_path / "alone", argvs)
    for argv, a, b in zip(argvs, through, alone):
        assert a == b, argv
    assert [j["kind"] for j in jobs] == ["playbook"] * 6  # all but the broken one ran as the owner's jobs
    oracle = {}
    inventory = tmp_path / "hosts.ini"  # the same one host for ansible: local, this Python
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    for name in ("site", "failing"):
        (tmp_path / "written.txt").unlink(missing_ok=True)
        done = subprocess.run(["ansible-playbook", "-i", str(inventory), str(books[name]),
                               "-e", f"out={tmp_path / 'written.txt'}"], capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL, check=False,
                              env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})
        oracle[name] = (done.returncode, [ln.split()[2:] for ln in done.stdout.splitlines()
                                          if ln.startswith("localhost ") and "ok=" in ln])
    for index, name in ((0, "site"), (5, "failing")):
        rc, out, _err = through[index]
        recap = [ln.split()[2:] for ln in out.splitlines() if ln.startswith("localhost ") and "ok=" in ln]
        assert (rc, recap) == oracle[name], name
