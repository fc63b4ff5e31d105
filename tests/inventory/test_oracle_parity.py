"""Cases where ftl-tui once disagreed with ansible-core (issue 12, defect 11), each checked against it.

- a top-level YAML key whose value is not a group (a parked anchor): Ansible warns and skips it;
- JSON text (a ``.json`` inventory, or JSON in a vars file): read with JSON rules (``1e3`` is 1000.0);
- ``--list-hosts`` with a pattern that selects nothing (``nosuch``, ``web[99]``): an empty
  list, a warning, exit 0, like ``ansible PATTERN --list-hosts``.
"""

from __future__ import annotations

import json

import pytest

from ftltui.cli import main
from ftltui.errors import PatternError
from ftltui.inventory import load_inventory
from inventory_testlib import ansible_cli_list_hosts, ansible_inventory_list, mask_like_ftl, write_tree

pytestmark = pytest.mark.ansible

ANCHORS = {
    "hosts.yml": """
        x-common: &common
          - one
          - two
        x-port: &port 2222
        version: 2
        all:
          vars:
            shared: *common
          children:
            web:
              hosts:
                web1: {ansible_port: *port}
                web2:
        db:
          hosts:
            db1: {tags: *common}
    """,
}

JSON_NUMBERS = {
    "hosts.json": """
        {"all": {"vars": {"big": 1e3, "small": -2.5E-2, "plain": 7, "text": "1e3"},
                 "children": {"web": {"hosts": {"web1": {"weight": 1.5e2}}}}}}
    """,
    # JSON text in a .yml vars file: Ansible's loader tries JSON first whatever the extension
    "group_vars/web.yml": '{"from_group_vars": 2e1, "nested": {"x": [1E2]}}\n',
    "host_vars/web1.json": '{"host_json": 3e0}\n',
}


def _ftl_list(source, capsys) -> tuple[dict, str]:
    capsys.readouterr()
    assert main(["inventory", "--list", "--json", "-i", str(source)]) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


def test_top_level_key_that_is_not_a_group_is_skipped_with_a_warning(tmp_path, capsys, ansible_env):
    root = write_tree(tmp_path / "inv", ANCHORS)
    ours, err = _ftl_list(root / "hosts.yml", capsys)
    assert ours == mask_like_ftl(ansible_inventory_list([root / "hosts.yml"], ansible_env))
    warnings = err.strip().splitlines()
    assert len(warnings) == 3, err
    assert warnings[0].startswith(f"ftl-tui: warning: {root}/hosts.yml:1:1: skipping top-level key 'x-common'")
    assert "got a list" in warnings[0]
    assert f"hosts.yml:4:1: skipping top-level key 'x-port'" in warnings[1]
    assert f"hosts.yml:5:1: skipping top-level key 'version'" in warnings[2]
    inv = load_inventory(root / "hosts.yml")
    assert "x-common" not in inv.groups and inv.hosts["db1"].vars["tags"] == ["one", "two"]
    assert len(inv.warnings) == 3


def test_a_group_that_is_not_a_mapping_below_the_top_is_still_an_error(tmp_path):
    # Ansible fails on this one as well (the skipped child is then "not a known group").
    root = write_tree(tmp_path / "inv", {"h.yml": "all:\n  children:\n    web: [a, b]\n"})
    with pytest.raises(Exception, match="expected group 'web' to be a mapping"):
        load_inventory(root / "h.yml")


def test_json_inventory_and_json_vars_files_use_json_numbers(tmp_path, capsys, ansible_env):
    root = write_tree(tmp_path / "inv", JSON_NUMBERS)
    ours, err = _ftl_list(root / "hosts.json", capsys)
    assert ours == mask_like_ftl(ansible_inventory_list([root / "hosts.json"], ansible_env))
    hv = ours["_meta"]["hostvars"]["web1"]
    assert hv["big"] == 1000.0 and isinstance(hv["big"], float) and hv["text"] == "1e3"
    assert hv["from_group_vars"] == 20.0 and hv["nested"] == {"x": [100.0]} and hv["host_json"] == 3.0
    assert err == ""


def test_yaml_flow_style_that_is_not_json_still_reads_as_yaml(tmp_path, capsys, ansible_env):
    root = write_tree(tmp_path / "inv", {"hosts.yml": "{all: {hosts: {a: {n: 1e3, m: 2.0e+3}}}}\n"})
    ours, _ = _ftl_list(root / "hosts.yml", capsys)
    assert ours == mask_like_ftl(ansible_inventory_list([root / "hosts.yml"], ansible_env))
    assert ours["_meta"]["hostvars"]["a"] == {"n": "1e3", "m": 2000.0}


SUBSCRIPT_INVENTORY = {
    "hosts.yml": """
        all:
          children:
            web:
              hosts: {web1: , web2: , web3: }
            db:
              hosts: {db1: }
    """,
}


@pytest.mark.parametrize("pattern", ["web[99]", "web[-4]", "nosuch", "nosuch[0]", "web[5:9]", "web[99]:db",
                                     "db:web[99]", "web[2]", "web[1:99]"])
def test_list_hosts_matches_ansible_even_when_nothing_matches(tmp_path, capsys, ansible_env, pattern):
    root = write_tree(tmp_path / "inv", SUBSCRIPT_INVENTORY)
    expected = ansible_cli_list_hosts([root / "hosts.yml"], pattern, ansible_env)
    capsys.readouterr()
    assert main(["inventory", "--list-hosts", pattern, "-i", str(root / "hosts.yml")]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == expected
    if not expected:
        assert "ftl-tui: warning:" in out.err and "Traceback" not in out.err
        assert main(["inventory", "--list-hosts", pattern, "--json", "-i", str(root / "hosts.yml")]) == 0
        assert json.loads(capsys.readouterr().out) == []


def test_out_of_range_subscript_warning_says_why(tmp_path, capsys):
    root = write_tree(tmp_path / "inv", SUBSCRIPT_INVENTORY)
    assert main(["inventory", "--list-hosts", "web[99]", "-i", str(root / "hosts.yml")]) == 0
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "ftl-tui: warning: pattern 'web[99]' matches no hosts: group web has 3 hosts\n"
    inv = load_inventory(root / "hosts.yml")
    with pytest.raises(PatternError, match="group web has 3 hosts"):
        inv.select("web[99]")
    assert inv.select("nosuch[0]") == [] and inv.last_unmatched == ["nosuch"]
