"""Ansible-independent checks of ranges, precedence, sources and the model (run without ansible too)."""

from __future__ import annotations

import pytest

from ftltui.cli import main
from ftltui.inventory import load_inventory
from ftltui.inventory.ranges import RangeError, expand, expand_host_pattern
from ftltui.paths import SAMPLE_INVENTORY
from inventory_testlib import write_tree


@pytest.mark.parametrize(
    "name,expected",
    [
        ("web[01:03].example.com", ["web01.example.com", "web02.example.com", "web03.example.com"]),
        ("db-[a:c]", ["db-a", "db-b", "db-c"]),
        ("n[1:10:4]", ["n1", "n5", "n9"]),
        ("r[1:2]-[a:b]", ["r1-a", "r1-b", "r2-a", "r2-b"]),
        ("plain", ["plain"]),
        ("x[:2]", ["x0", "x1", "x2"]),
    ],
)
def test_ranges(name, expected):
    assert expand(name) == expected


def test_range_with_port():
    assert expand_host_pattern("web[1:2]:2222") == (["web1", "web2"], 2222)
    assert expand_host_pattern("[::1]:22") == (["::1"], 22)


@pytest.mark.parametrize("bad", ["w[1:]", "w[01:100]", "w[3]", "w[1:5:0]", "w[c:a]", "w[1:2"])
def test_bad_ranges(bad):
    with pytest.raises(RangeError):
        expand(bad)


def test_precedence_layers(tmp_path):
    root = write_tree(
        tmp_path / "inv",
        {
            "h.yml": """
                all:
                  vars: {v: all-inline, a: 1}
                  children:
                    parent:
                      vars: {v: parent-inline, p: 1}
                      children:
                        child:
                          vars: {v: child-inline}
                          hosts:
                            h1: {v: host-inline}
                            h2:
                            h3:
            """,
            "group_vars/all.yml": "v: all-file\n",
            "group_vars/parent.yml": "pf: 1\n",
            "host_vars/h1.yml": "v: host-file\n",
        },
    )
    inv = load_inventory(root / "h.yml")
    # Every inline group var ranks below every group_vars/ file (all included).
    assert inv.hosts["h2"].vars["v"] == "all-file"
    assert inv.hosts["h1"].vars["v"] == "host-file"
    assert inv.hosts["h2"].groups == ("child", "parent")
    assert inv.groups["parent"].vars == {"v": "parent-inline", "p": 1, "pf": 1}
    assert inv.groups["child"].depth == 2 and inv.groups["parent"].depth == 1


def test_host_list_source_and_several_sources(tmp_path):
    root = write_tree(tmp_path / "inv", {"a.ini": "[g]\nx\n", "b.yml": "g:\n  hosts: {y: }\n"})
    inv = load_inventory([root / "a.ini", str(root / "b.yml"), "z1,z2:2200,"])
    assert list(inv.hosts) == ["x", "y", "z1", "z2"]
    assert inv.hosts["z2"].port == 2200
    assert inv.to_ansible_list()["ungrouped"]["hosts"] == ["z1", "z2"]


def test_secret_values_and_connection_props(tmp_path):
    root = write_tree(
        tmp_path / "inv",
        {"h": "[g]\nh1 ansible_host=192.0.2.1 ansible_user=me ansible_password=pw ansible_ssh_common_args='-J jump1,jump2'\n"},
    )
    h = load_inventory(root / "h").hosts["h1"]
    assert h.vars["ansible_password"] == "pw"  # a value like any other in the model
    assert h.secret_values() == ["pw"]
    assert (h.address, h.user, h.jump_hosts) == ("192.0.2.1", "me", ["jump1", "jump2"])


def test_sample_inventory_shape():
    inv = load_inventory(SAMPLE_INVENTORY)
    assert inv.hosts["localhost"].connection == "local"
    demo = [h for h in inv.hosts.values() if h.name != "localhost"]
    assert demo and all("demo" in h.groups for h in demo)
    # every sample host runs in-process: nothing in the sample is contacted over a network
    assert all(h.connection == "local" for h in inv.hosts.values())
    assert inv.hosts["web02.example.invalid"].vars["rack"] == "r2"
    assert {"web", "db", "prod", "staging", "local"} <= set(inv.groups)
    assert all(isinstance(h.vars["app_port"], int) for h in inv.hosts.values())


def test_cli_text_modes(capsys):
    assert main(["inventory", "-i", str(SAMPLE_INVENTORY)]) == 0
    out = capsys.readouterr().out
    assert "localhost" in out and "web01.example.invalid" in out and "@prod" in out
    assert main(["inventory", "--graph", "prod", "-i", str(SAMPLE_INVENTORY)]) == 0
    assert capsys.readouterr().out.startswith("@prod:\n  |--@web:")
    assert main(["inventory", "--list-hosts", "web:&prod", "--json", "-i", str(SAMPLE_INVENTORY)]) == 0
    assert capsys.readouterr().out.strip() == '["web01.example.invalid", "web02.example.invalid", "web03.example.invalid"]'
    assert main(["inventory", "--host", "nosuch", "-i", str(SAMPLE_INVENTORY)]) == 4
