"""A collection module that Ansible runs through the collection's own action plugin is refused
by name, before any host runs, instead of running the module file alone.

Ansible (ansible-core 2.19's TaskExecutor) picks a collection's action plugin when the module's
runtime.yml entry names one (``action_plugin:``), when an action plugin has the module's name
(``plugins/action/X.py`` or a ``plugin_routing.action`` redirect), or for a network family
(``ios_command`` -> the ``ios`` action). Running the module file without it does something
else: ``community.general.iptables_state`` loses its connection-loss rollback,
``community.general.shutdown``'s module file is only documentation. The oracle: ``ansible``
runs a fake collection's action plugin, not its module.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from collhelp import json_env

from ftltui.ansible_modules import finder
from ftltui.ansible_modules.actions import controller_plugin

pytestmark = [pytest.mark.ansible,
              pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed")]

MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={'marker': {}}, supports_check_mode=True)
open(m.params['marker'], 'a').write('module ran\\n')
m.exit_json(changed=True, who='module')
"""
ACTION = """from ansible.plugins.action import ActionBase
class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        return {'changed': False, 'who': 'action plugin'}
"""


def _collection(root: Path) -> Path:
    """ftl.acts: ``own`` has a same-named action plugin, ``routed`` an ``action_plugin:`` entry,
    ``moved`` an action routed elsewhere, ``ios_thing`` the ``ios`` network action, ``plain`` none."""
    cdir = root / "ansible_collections" / "ftl" / "acts"
    (cdir / "plugins" / "modules").mkdir(parents=True)
    (cdir / "plugins" / "action").mkdir()
    (cdir / "meta").mkdir()
    (cdir / "galaxy.yml").write_text("namespace: ftl\nname: acts\nversion: 1.0.0\n")
    (cdir / "meta" / "runtime.yml").write_text(
        "plugin_routing:\n  modules:\n    routed:\n      action_plugin: ftl.acts.shared\n"
        "  action:\n    moved:\n      redirect: ftl.acts.shared\n")
    for name in ("own", "routed", "moved", "ios_thing", "plain"):
        (cdir / "plugins" / "modules" / f"{name}.py").write_text(MODULE)
    for name in ("own", "shared", "ios"):
        (cdir / "plugins" / "action" / f"{name}.py").write_text(ACTION)
    return cdir


def test_ansible_runs_the_collections_action_plugin_and_ftl_tui_refuses_it(tmp_path: Path) -> None:
    root = tmp_path / "colls"
    _collection(root)
    env = json_env(root, tmp_path)
    marker = tmp_path / "marker"
    for name, plugin in [("own", "ftl.acts.own"), ("routed", "ftl.acts.shared"), ("moved", "ftl.acts.shared"),
                         ("ios_thing", "ftl.acts.ios")]:
        args = json.dumps({"marker": str(marker)})
        proc = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", f"ftl.acts.{name}",
                               "-a", args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
        res = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
        assert res["who"] == "action plugin", (name, res)  # Ansible never ran the module file alone

        proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m",
                               f"ftl.acts.{name}", "-a", args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120, check=False)
        assert proc.returncode == 4, (name, proc.stdout, proc.stderr)
        assert f"ftl.acts.{name} needs the '{plugin}' action plugin" in proc.stderr, proc.stderr
        assert "does not implement" in proc.stderr and "Traceback" not in proc.stderr
        assert not marker.exists(), f"ftl.acts.{name}'s module file ran"

    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m",
                           "ftl.acts.plain", "-a", json.dumps({"marker": str(marker)})], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # no action plugin: Ansible's normal action
    assert marker.read_text() == "module ran\n"


def test_installed_collections_with_action_plugins_are_named() -> None:
    """The real cases the issue names: iptables_state and shutdown (community.general), patch
    (ansible.posix: only with a controller src), and modules whose collection has none."""
    roots = finder.collection_roots()
    if finder.find_collection("community.general", roots) is None:
        pytest.skip("the ansible package (community.general) is not installed")
    found = {n: finder.find_module(n) for n in ("community.general.iptables_state", "community.general.shutdown",
                                                 "ansible.posix.patch", "community.general.ini_file",
                                                 "ansible.posix.acl", "ansible.builtin.ping")}
    plugins = {n: controller_plugin(s.path) if s else "missing" for n, s in found.items()}
    assert plugins == {"community.general.iptables_state": "community.general.iptables_state",
                       "community.general.shutdown": "community.general.shutdown",
                       "ansible.posix.patch": "ansible.posix.patch", "community.general.ini_file": None,
                       "ansible.posix.acl": None, "ansible.builtin.ping": None}


def test_patch_runs_with_remote_src_and_names_its_plugin_without(tmp_path: Path) -> None:
    if finder.find_module("ansible.posix.patch") is None:
        pytest.skip("ansible.posix is not installed")
    (tmp_path / "f").write_text("x\n")
    (tmp_path / "empty.patch").write_text("")
    base = [sys.executable, "-m", "ftltui", "run", "-i", "localhost,", "localhost", "-m", "ansible.posix.patch", "-C"]
    proc = subprocess.run([*base, "-a", f"src={tmp_path / 'empty.patch'} dest={tmp_path / 'f'}"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 2 and "needs the 'ansible.posix.patch' action plugin" in proc.stdout, proc.stdout
    proc = subprocess.run([*base, "-a", f"src={tmp_path / 'empty.patch'} dest={tmp_path / 'f'} remote_src=true"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert "action plugin" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
