"""``setup``'s ``filter`` keeps what Ansible's keeps (hD finding 10): ``gather_subset`` and
``module_setup`` are facts the filter applies to like any other, so
``filter=ansible_hostname`` returns that fact alone (ftl-tui added both after filtering);
a pattern without the ``ansible_`` prefix also matches with it. The fact names each
filter keeps, from one ansible-playbook run (``setup`` registered per filter) beside
ftl-tui's module on the same machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from modhelp import call

pytestmark = pytest.mark.ansible

FILTERS: list[list[str]] = [
    ["ansible_hostname"],
    ["hostname"],
    ["gather_subset"],
    ["module_setup"],
    ["*setup"],
    ["ansible_gather*"],
    ["ansible_hostname", "gather_subset"],
    ["no_such_fact"],
]


def ansible_keys(work: Path) -> list[list[str]]:
    """Each filter's fact names under ansible-playbook's setup."""
    out = work / "keys.json"
    tasks: list[dict[str, Any]] = [{"ansible.builtin.setup": {"filter": f}, "register": f"r{i}"}
                                   for i, f in enumerate(FILTERS)]
    names = ", ".join(f"r{i}.ansible_facts.keys() | sort" for i in range(len(FILTERS)))
    tasks.append({"ansible.builtin.copy": {"content": "{{ [" + names + "] | to_json }}", "dest": str(out)}})
    (work / "play.yml").write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    home = work / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), ANSIBLE_LOCAL_TEMP=str(work / "tmp"), ANSIBLE_LOCALHOST_WARNING="False",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="False")
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
           str(work / "play.yml")]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, cwd=str(work), timeout=240)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return json.loads(out.read_text())


def test_setup_filter_keeps_the_facts_ansible_keeps(tmp_path: Path) -> None:
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-core is not installed")
    theirs = ansible_keys(tmp_path)
    assert theirs[0] == ["ansible_hostname"]  # the oracle: no gather_subset, no module_setup
    ours = [sorted(call("facts", {"filter": f})["ansible_facts"]) for f in FILTERS]
    assert dict(zip(map(",".join, FILTERS), ours)) == dict(zip(map(",".join, FILTERS), theirs))
    everything = call("facts", {})["ansible_facts"]  # no filter: both keys still there
    assert everything["gather_subset"] == ["all"] and everything["module_setup"] is True
