"""``assert`` results as ansible-playbook 2.19 shows them (hD finding 1): a passing assert
prints ``ok: [h] => {"changed": false, "msg": "All assertions passed"}`` indented (its
``success_msg`` when given, a list too, per loop item too), a failing one its indented
``FAILED!`` body; ``quiet: true`` prints neither body. The flag behind it
(``_ansible_verbose_always``) is never part of the registered value. ftl-tui's runner and
text output against ansible-playbook on the same playbook: every line, the recap, the exit
status and the files left (the registered value's internal keys, written by both)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from runner_oracle import ansible, ftl, local_inventory, tree

from ftltui.playbook.options import PlayOptions
from ftltui.playbook.output_text import TextOutput

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - assert:
        that: 1 == 1
    - name: with success_msg
      assert:
        that: [1 == 1, 2 == 2]
        success_msg: yay
      register: passed
    - name: quiet
      assert:
        that: 1 == 1
        quiet: true
      register: quietly
    - name: list message
      assert:
        that: 1 == 1
        success_msg: [a, b]
    - name: per item
      assert:
        that: item > 0
      loop: [1, 2]
      register: looped
    - name: fails quietly
      assert:
        that: 1 == 2
        quiet: true
      ignore_errors: true
    - name: fails
      assert:
        that: 1 == 2
        fail_msg: custom
      ignore_errors: true
    - name: internal keys of what was registered
      copy:
        dest: "{{ out }}/{{ inventory_hostname }}/keys"
        content: "{{ ([passed, quietly] + looped.results) | map('dict2items') | flatten
                      | map(attribute='key') | select('match', '_') | join(',') }}."
"""


def test_assert_results_print_and_register_as_ansible_playbook(tmp_path: Path) -> None:
    pb = tmp_path / "assert.yml"
    pb.write_text(PLAYBOOK)
    inv = local_inventory(tmp_path, ["a"])
    for host in ("ansible", "ftl"):
        (tmp_path / host / "a").mkdir(parents=True)
    a_rc, a_recap, a_text = ansible(pb, inv, tmp_path / "ansible", "-f", "1")
    events: list[Any] = []
    f_rc, f_recap = ftl(pb, inv, tmp_path / "ftl", PlayOptions(forks=1), events)
    buf = io.StringIO()
    out = TextOutput(buf, io.StringIO(), colour=False, width=80)
    for e in events:
        out(e)
    assert 'ok: [a] => {\n    "changed": false,\n    "msg": "All assertions passed"\n}' in a_text  # the oracle's shape
    assert buf.getvalue().splitlines() == a_text.splitlines()
    assert (f_recap, f_rc) == (a_recap, a_rc)
    assert tree(tmp_path / "ftl") == tree(tmp_path / "ansible") == {"a/keys": "."}
