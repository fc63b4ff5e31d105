"""Inventory scripts and ``--list``-shaped JSON, against ``ansible-inventory`` (oracle: ansible-core)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from inventory_testlib import ansible_inventory_list

from ftltui.errors import InventoryError
from ftltui.inventory import load_inventory

pytestmark = pytest.mark.ansible

LIST = {
    "all": {"vars": {"site": "lab", "port": 22}},
    "web": {"hosts": ["w1", "w2"], "vars": {"port": 8080, "nested": {"a": [1, 2]}}, "children": ["edge"]},
    "db": ["d1", "d2"],  # a bare list is the hosts
    "edge": {"hosts": ["e1"]},
    "prod": {"children": ["web", "db", "later"]},
    "later": {"hosts": ["l1"], "vars": {"late": True}},
    "_meta": {"hostvars": {"w1": {"port": 9090, "ansible_host": "192.0.2.10"}, "d2": {"role": "replica"},
                           "ghost": {"x": 1}}},
}
HOSTVARS = {"w1": {"role": "front"}, "w2": {"role": "front", "weight": 2}, "d1": {}, "d2": {"role": "replica"},
            "e1": {"edge": "yes"}, "l1": {}}


def script(path: Path, body: str) -> Path:
    path.write_text("#!" + sys.executable + "\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def list_script(tmp: Path, data: dict, hostvars: dict | None = None, name: str = "inv.py") -> Path:
    """A script printing ``data`` for --list and ``hostvars[host]`` for --host (logging each call)."""
    log = tmp / (name + ".calls")
    return script(tmp / name, f"""
import json, sys
open({str(log)!r}, "a").write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1] == "--list":
    print(json.dumps({data!r}))
else:
    print(json.dumps({(hostvars or {})!r}.get(sys.argv[2], {{}})))
""")


def ours(path: Path) -> dict:
    return load_inventory(path).to_ansible_list()


def test_script_with_meta_matches_ansible_inventory(tmp_path: Path, ansible_env) -> None:
    s = list_script(tmp_path, LIST)
    assert ours(s) == ansible_inventory_list([s], ansible_env)
    assert (tmp_path / "inv.py.calls").read_text().count("--host") == 0  # _meta given: no --host calls


def test_script_without_meta_asks_host_for_each_host(tmp_path: Path, ansible_env) -> None:
    data = {k: v for k, v in LIST.items() if k != "_meta"}
    s = list_script(tmp_path, data, HOSTVARS)
    mine = ours(s)
    calls = (tmp_path / "inv.py.calls").read_text().splitlines()
    assert sorted(c for c in calls if c.startswith("--host")) == sorted(f"--host {h}" for h in HOSTVARS)
    assert mine == ansible_inventory_list([s], ansible_env)


def test_list_json_file_loads_like_the_same_data_from_a_script(tmp_path: Path, ansible_env) -> None:
    """Ansible reads --list JSON only from a script; ftl-tui reads the file too, to the same inventory."""
    f = tmp_path / "list.json"
    f.write_text(json.dumps(LIST))
    s = script(tmp_path / "cat.sh", f"import sys; sys.stdout.write(open({str(f)!r}).read())\n")
    assert ours(f) == ansible_inventory_list([s], ansible_env)


def test_round_trip_of_our_own_list_output(tmp_path: Path, ansible_env) -> None:
    """``ftl-tui inventory --list --json`` output loads back to the same listing, as ansible-inventory's does."""
    src = tmp_path / "hosts.yml"
    src.write_text("all:\n  vars: {tier: 1}\n  children:\n    web:\n      hosts:\n        w[1:3]:\n          p: 1\n"
                   "      children:\n        canary:\n          hosts: {w2: {weight: 5}}\n    solo_group:\n"
                   "      vars: {z: [1, {b: 2}]}\n      hosts: {s1: , 'h:2222': }\n")
    env = dict(os.environ, FTL_TUI_HOME=str(tmp_path / "state"))
    out = subprocess.run([sys.executable, "-m", "ftltui", "inventory", "--list", "--json", "-i", str(src)],
                         capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    dumped = tmp_path / "dumped.json"
    dumped.write_text(out)
    again = ours(dumped)
    assert again == json.loads(out)
    theirs_from_ours = ansible_inventory_list([script(tmp_path / "cat.sh", f"print(open({str(dumped)!r}).read())\n")],
                                              ansible_env)
    assert again == theirs_from_ours == ansible_inventory_list([src], ansible_env)


@pytest.mark.parametrize("body,expected", [
    ("import sys; sys.stderr.write('boom: no credentials\\n'); sys.exit(3)", r"'--list' exited with status 3: boom: no credentials"),
    ("print('{not json')", r"'--list' printed invalid JSON \(line 1, column 2\)"),
    ("print('[1, 2]')", r"expected a JSON object of groups, got a list"),
    ("import json; print(json.dumps({'web': {'hosts': [1]}}))", r"hosts of group 'web' to be a list of names"),
])
def test_broken_scripts_are_clear_errors_naming_the_script(tmp_path: Path, body: str, expected: str) -> None:
    s = script(tmp_path / "broken.py", body + "\n")
    with pytest.raises(InventoryError, match=expected) as err:
        load_inventory(s)
    assert str(err.value).startswith(str(s)) and "\n" not in str(err.value)


def test_failing_host_call_names_the_host(tmp_path: Path) -> None:
    s = script(tmp_path / "inv.py", "import sys, json\nif sys.argv[1] == '--list': print(json.dumps({'g': ['h1']}))\n"
                                    "else: sys.exit(7)\n")
    with pytest.raises(InventoryError, match=r"'--host h1' exited with status 7"):
        load_inventory(s)


def test_executable_yaml_without_shebang_is_still_yaml(tmp_path: Path) -> None:
    f = tmp_path / "hosts.yml"
    f.write_text("all:\n  hosts:\n    h1:\n")
    f.chmod(0o755)
    assert list(load_inventory(f).hosts) == ["h1"]


def test_unsupported_plugin_config_says_which(tmp_path: Path) -> None:
    f = tmp_path / "aws_ec2.yml"
    f.write_text("plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n")
    with pytest.raises(InventoryError, match=r"aws_ec2.yml:1:1: inventory plugin 'amazon.aws.aws_ec2' is not supported"):
        load_inventory(f)
