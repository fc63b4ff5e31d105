"""``plugin: constructed`` (compose, groups, keyed_groups) against ansible-inventory (oracle: ansible-core)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from inventory_testlib import ansible_inventory_list, write_tree

from ftltui.errors import InventoryError
from ftltui.inventory import load_inventory

pytestmark = pytest.mark.ansible

HOSTS = """
    all:
      vars: {env: prod}
      children:
        web:
          vars: {role: web, http_port: 80}
          hosts:
            w1: {os: Ubuntu-22.04, labels_list: [a, b], labels: {team: blue, tier: front}}
            w2: {os: debian.12, http_port: 8080, labels_list: []}
        db:
          hosts:
            d1: {os: "", role: db, num: 42, mix: [1, "x y", ""], d: {k: ""}, name1: "1abc", uni: "é-x"}
    """
CONSTRUCTED = """
    plugin: ansible.builtin.constructed
    compose:
      url: "'http://' ~ inventory_hostname ~ ':' ~ http_port"
      os_lower: os | lower
      dflt: missing | default('fallback')
      n2: (num | default(1)) * 2
    groups:
      big_port: http_port > 1000
      is_web: "'web' in group_names"
      not_a_bool: num
      broken: undefined_var.attr
      "my-group": true
    keyed_groups:
      - key: os
        prefix: os
      - key: labels_list
        prefix: tag
      - key: labels
        separator: "-"
      - key: role
        parent_group: roles
      - key: os
        prefix: empty
        default_value: none
      - key: name1
      - key: uni
        prefix: u
      - key: mix
        prefix: m
      - {key: d, prefix: dd}
      - {key: d, prefix: dt, trailing_separator: false}
      - {key: d, prefix: dv, default_value: zz}
      - {key: missing_var, prefix: miss}
    """


def unwrap(value: Any) -> Any:
    """ansible-core 2.19 prints templated strings as {"__ansible_unsafe": s}; the value is s."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def test_constructed_matches_ansible_inventory(tmp_path: Path, ansible_env) -> None:
    root = write_tree(tmp_path / "inv", {"01-hosts.yml": HOSTS, "02-constructed.yml": CONSTRUCTED})
    ours = load_inventory(root).to_ansible_list()
    theirs = unwrap(ansible_inventory_list([root], ansible_env))
    assert ours == theirs
    assert "os_Ubuntu_22_04" in ours and ours["roles"] == {"children": ["_web", "_db"]}  # the test has teeth


def test_leading_separator_false(tmp_path: Path, ansible_env) -> None:
    root = write_tree(tmp_path / "inv", {"01-hosts.yml": HOSTS, "02-c.yml": """
        plugin: constructed
        leading_separator: false
        keyed_groups:
          - key: role
          - key: labels
        """})
    assert load_inventory(root).to_ansible_list() == unwrap(ansible_inventory_list([root], ansible_env))


@pytest.mark.parametrize("config,expected", [
    ("plugin: constructed\nstrict: true\ngroups:\n  broken: undefined_var.attr\n", r"02-c.yml: constructed: host w1: groups broken: .*undefined"),
    ("plugin: constructed\nstrict: true\ngroups:\n  nb: http_port\n", r"the condition gave 80; expected true or false"),
    ("plugin: constructed\nkeyed_groups:\n  - key: http_port\n", r"keyed_groups key 'http_port' gave a int"),
    ("plugin: constructed\nkeyd_groups: []\n", r"unknown option\(s\) keyd_groups"),
    ("plugin: constructed\nkeyed_groups:\n  - {key: os, default_value: x, trailing_separator: false}\n", r"mutually exclusive"),
])
def test_constructed_errors_are_clear(tmp_path: Path, config: str, expected: str) -> None:
    root = write_tree(tmp_path / "inv", {"01-hosts.yml": HOSTS, "02-c.yml": config})
    with pytest.raises(InventoryError, match=expected) as err:
        load_inventory(root)
    assert "\n" not in str(err.value)
