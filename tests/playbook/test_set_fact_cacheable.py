"""issue 15: ``set_fact`` with ``cacheable`` as ansible-playbook with its default memory fact
cache: the values are host variables for the rest of the run (later plays too) and, when
cacheable, facts as well (``ansible_facts.NAME``, ``hostvars[h].ansible_facts.NAME``), which
``meta: clear_facts`` clears while the variable stays. Files written by both tools compared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import assert_same, compare

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                reason="ansible-playbook (the oracle) is not installed")

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - file: {path: "{{ out }}/{{ inventory_hostname }}", state: directory}
    - set_fact: {kept: 1, cacheable: true}
    - set_fact: {plain: 2}
    - set_fact: {other: 3, cacheable: false}
    - copy:
        dest: "{{ out }}/{{ inventory_hostname }}/play1"
        content: "{{ ansible_facts.kept | default('none') }} {{ ansible_facts.plain | default('none') }}
          {{ ansible_facts.other | default('none') }} {{ kept }} {{ plain }} {{ other }}\\n"
- hosts: all
  gather_facts: false
  tasks:
    - copy:
        dest: "{{ out }}/{{ inventory_hostname }}/play2"
        content: "{{ ansible_facts.kept | default('none') }} {{ hostvars[inventory_hostname].ansible_facts.kept
          | default('none') }} {{ kept }} {{ plain }}\\n"
    - meta: clear_facts
    - copy:
        dest: "{{ out }}/{{ inventory_hostname }}/cleared"
        content: "{{ ansible_facts.kept | default('none') }} {{ kept | default('none') }} {{ plain }}\\n"
"""


def test_set_fact_cacheable_as_ansible(tmp_path: Path) -> None:
    book = tmp_path / "cache.yml"
    book.write_text(PLAYBOOK)
    res = compare(book, tmp_path, ["a"])
    assert_same(res)
    assert res["ftl"][0] == 0
    assert res["ftl"][2] == {"a/play1": "1 none none 1 2 3\n", "a/play2": "1 1 1 2\n", "a/cleared": "none 1 2\n"}
