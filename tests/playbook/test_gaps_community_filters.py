"""community.general filters (issue 15): ftl-tui's native ones give what ansible-playbook
gives with the collection's plugins (same file written); any other collection filter or
test fails at load time (so ``--syntax-check``) naming it with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import assert_same, compare

from ftltui.playbook.loader import load_playbook
from ftltui.playbook.model import PlaybookError
from ftltui.playbook.syntax import syntax_check

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "community_filters.yml"


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook (the oracle) is not installed")
@pytest.mark.timeout(300)
def test_community_filters_equal_ansible_playbooks(tmp_path: Path) -> None:
    res = compare(PLAYBOOK, tmp_path, ["a"])
    assert "filters" in res["ansible"][2], res["ansible_text"][-2000:]
    assert_same(res)


@pytest.mark.parametrize("line, name, kind", [
    ("msg: \"{{ x | community.general.nosuch }}\"", "community.general.nosuch", "filter"),
    ("msg: \"{{ x | ansible.utils.ipaddr('net') }}\"", "ansible.utils.ipaddr", "filter"),
    ("msg: \"{{ x is community.general.nosuch_test }}\"", "community.general.nosuch_test", "test"),
])
def test_unavailable_collection_plugin_fails_at_syntax_check(tmp_path: Path, line: str, name: str, kind: str) -> None:
    pb = tmp_path / "pb.yml"
    pb.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    # | community.general.in_a_comment\n"
                  f"    - debug:\n        {line}\n")
    problems = syntax_check(pb)
    assert len(problems) == 1
    exc = problems[0]
    assert f"the {kind} '{name}' is not available in ftl-tui" in exc.message
    assert exc.location is not None and (exc.location.line, exc.location.col) == (6, line.index(name) + 9)
    with pytest.raises(PlaybookError):
        load_playbook(pb)


def test_known_collection_filters_pass_syntax_check(tmp_path: Path) -> None:
    pb = tmp_path / "pb.yml"
    pb.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - debug:\n"
                  "        msg: \"{{ 'x' | community.general.dict_kv('k') | ansible.builtin.to_json }}\"\n"
                  "      when: y is ansible.builtin.defined\n")
    assert syntax_check(pb) == []


def test_prose_and_shell_pipes_are_not_plugins(tmp_path: Path) -> None:
    """Only template text is scanned: a task named with a dotted host name after 'is', or a
    shell pipe into one, loads (ansible-playbook runs it); inside a template it is refused."""
    book = tmp_path / "prose.yml"
    book.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                    "    - name: Check the primary is db1.example.com\n"
                    "      shell: getent hosts x | host.example.com\n"
                    "      when:\n        - x is defined\n")
    load_playbook(book)
    book.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                    "    - assert:\n        that:\n          - x is db1.example.com\n")
    with pytest.raises(PlaybookError, match="db1.example.com"):
        load_playbook(book)
