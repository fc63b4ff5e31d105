"""Bad inventories: one ``file:line:col: what was expected`` error each, never a traceback."""

from __future__ import annotations

import pytest

from ftltui.cli import main
from ftltui.errors import InventoryError
from ftltui.inventory import load_inventory
from inventory_testlib import write_tree

# (files, source, expected relative "file:line:col", a phrase of the message)
CASES = {
    "yaml-syntax-unclosed-quote": ({"h.yml": 'all:\n  hosts:\n    a: {x: "oops}\n'}, "h.yml", "h.yml:4:1", "YAML syntax error"),
    "yaml-syntax-bad-indent": ({"h.yml": "all:\n  hosts:\n    a:\n   b: 1\n"}, "h.yml", "h.yml:4:4", "YAML syntax error"),
    "yaml-top-level-list": ({"h.yml": "- a\n- b\n"}, "h.yml", "h.yml:1:1", "expected a mapping of group names"),
    "yaml-hosts-is-list": ({"h.yml": "all:\n  children:\n    web:\n      hosts:\n        - a\n"}, "h.yml", "h.yml:5:9", "expected 'hosts' of group 'web' to be a mapping"),
    "yaml-unknown-key": ({"h.yml": "web:\n  hosts: {a: }\n  host_vars: {}\n"}, "h.yml", "h.yml:3:3", "unexpected key 'host_vars'"),
    "yaml-group-not-mapping": ({"h.yml": "all:\n  children:\n    web: [a, b]\n"}, "h.yml", "h.yml:3:5", "expected group 'web' to be a mapping"),
    "yaml-bad-range-no-end": ({"h.yml": "web:\n  hosts:\n    'web[1:]':\n"}, "h.yml", "h.yml:3:5", "must specify an end value"),
    "yaml-bad-range-padding": ({"h.yml": "web:\n  hosts:\n    web[01:100]:\n"}, "h.yml", "h.yml:3:5", "equal-length"),
    "yaml-bad-range-mixed": ({"h.yml": "web:\n  hosts:\n    web[1:c]:\n"}, "h.yml", "h.yml:3:5", "must be numeric"),
    "yaml-host-vars-not-mapping": ({"h.yml": "web:\n  hosts:\n    a: just-a-string\n"}, "h.yml", "h.yml:3:8", "vars of host 'a' to be a mapping"),
    "yaml-integer-host": ({"h.yml": "web:\n  hosts:\n    10:\n"}, "h.yml", "h.yml:3:5", "enclose numbers in quotation marks"),
    "yaml-bad-priority": ({"h.yml": "web:\n  vars: {ansible_group_priority: high}\n"}, "h.yml", "h.yml:2:34", "ansible_group_priority"),
    "yaml-plugin-config": ({"h.yml": "plugin: aws_ec2\nregions: [x]\n"}, "h.yml", "h.yml:1:1", "plugin configuration"),
    "ini-unknown-section-type": ({"hosts": "[web]\na\n[web:hostvars]\nx=1\n"}, "hosts", "hosts:3:1", "unknown type 'hostvars'"),
    "ini-section-with-space": ({"hosts": "[web servers]\na\n"}, "hosts", "hosts:1:1", "invalid section header"),
    "ini-undefined-child": ({"hosts": "[prod:children]\nweb\n"}, "hosts", "hosts:2:1", "includes undefined group 'web'"),
    "ini-vars-undefined-group": ({"hosts": "[a]\nh\n[ghost:vars]\nx=1\n"}, "hosts", "hosts:3:1", "undefined group 'ghost'"),
    "ini-host-var-without-equals": ({"hosts": "[web]\n  a ansible_port=22 oops\n"}, "hosts", "hosts:2:21", "expected key=value host variable"),
    "ini-vars-line-without-equals": ({"hosts": "[web]\na\n[web:vars]\njustaword\n"}, "hosts", "hosts:4:1", "expected key=value"),
    "ini-unclosed-quote": ({"hosts": "[web]\na x=\"unclosed\n"}, "hosts", "hosts:2:1", "cannot parse host line"),
    "ini-bad-range": ({"hosts.ini": "[web]\nweb[9:z]\n"}, "hosts.ini", "hosts.ini:2:1", "host range"),
    "ini-child-loop": ({"hosts": "[a:children]\nb\n[b:children]\na\n"}, "hosts", "hosts:4:1", "dependency loop"),
    "groupvars-not-mapping": ({"h.yml": "web:\n  hosts: {a: }\n", "group_vars/web.yml": "- 1\n- 2\n"}, "h.yml", "group_vars/web.yml:1:1", "expected a mapping of variable names"),
    "groupvars-syntax": ({"h.yml": "web:\n  hosts: {a: }\n", "group_vars/web/x.yml": "a: [1, 2\n"}, "h.yml", "group_vars/web/x.yml:2:1", "YAML syntax error"),
    "hostvars-syntax": ({"h.yml": "web:\n  hosts: {a: }\n", "host_vars/a.yml": "k: v\n  bad: indent\n"}, "h.yml", "host_vars/a.yml:2:6", "YAML syntax error"),
    "dir-bad-member": ({"d/10.yml": "web:\n  hosts: {a: }\n", "d/20.yml": "web:\n  hosts: [a]\n"}, "d", "d/20.yml:2:10", "to be a mapping"),
    "missing-source": ({}, "nope.yml", "nope.yml", "not found"),
}


@pytest.mark.parametrize("files,source,where,phrase", list(CASES.values()), ids=list(CASES))
def test_bad_input_location(tmp_path, files, source, where, phrase, capsys):
    root = write_tree(tmp_path / "inv", files)
    with pytest.raises(InventoryError) as info:
        load_inventory(root / source)
    err = info.value
    assert str(err).startswith(f"{root}/{where}:") or str(err) == f"{root}/{where}", str(err)
    assert phrase in err.message, err.message
    # Through the CLI: exit 4, one line, no traceback.
    capsys.readouterr()
    assert main(["inventory", "--list", "-i", str(root / source)]) == 4
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and f"{where}" in lines[0] and "Traceback" not in out.err


def test_error_column_points_at_yaml_value(tmp_path):
    root = write_tree(tmp_path / "inv", {"h.yml": "all:\n  children:\n    db:\n      vars: [1]\n"})
    with pytest.raises(InventoryError) as info:
        load_inventory(root / "h.yml")
    loc = info.value.location
    assert (loc.line, loc.col) == (4, 13)
    assert "expected 'vars' of group 'db' to be a mapping, got a list" in info.value.message
