"""``Executor.run(environment=...)`` below the playbook runner, over the SSH bed.

What the oracle test (test_environment.py) cannot show: on a remote host the values are
in no process's command line (the gate gets them in its request frame; Ansible puts them
on the module's ``sh -c`` line), a host without Python refuses them instead of passing
them on an exec's command line, and unusable names fail before any host is touched.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.errors import ModuleArgsError
from ftltui.inventory.loader import load_inventory

pytestmark = pytest.mark.ssh

SCAN = """for f in /proc/[0-9]*/cmdline; do
  case "$(tr '\\0' ' ' < "$f" 2>/dev/null)" in *"$TOKEN"*) echo "$f" ;; esac
done; echo "scanned $TOKEN_LEN"
"""


def _executor(tmp_path: Path, bed: Any, hosts: dict[str, dict[str, Any]]) -> Executor:
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}"},
                                       "hosts": {n: {**bed.host_vars(n), **v} for n, v in hosts.items()}}}))
    return Executor(load_inventory([str(inv)]))


async def test_remote_values_are_in_no_command_line(sshbed, tmp_path: Path) -> None:
    token = f"env-{uuid.uuid4().hex}"
    ex = _executor(tmp_path, sshbed, {"h01": {"ansible_python_interpreter": "/usr/bin/python3"},
                                      "h02": {"ansible_python_interpreter": "/usr/bin/python3",
                                              "ftl_ansible_modules": "shell"}})
    try:
        res = await ex.run("all", "shell", {"cmd": SCAN}, environment={"TOKEN": token, "TOKEN_LEN": str(len(token))})
    finally:
        await ex.close()
    for host in ("h01", "h02"):
        out = res.results[host].result
        assert res.results[host].status == "changed", out
        assert out["stdout"] == f"scanned {len(token)}", out  # the variables arrived, and no argv held the value


async def test_a_host_without_python_refuses_an_environment(sshbed, tmp_path: Path) -> None:
    ex = _executor(tmp_path, sshbed, {"h01": {"ansible_python_interpreter": "/nonexistent/python3"}})
    try:
        res = await ex.run("h01", "command", {"argv": ["printenv", "FOO"]}, environment={"FOO": "bar"})
        refused = res.results["h01"]
        plain = (await ex.run("h01", "command", {"argv": ["echo", "exec-works"]})).results["h01"]
    finally:
        await ex.close()
    assert refused.status == "failed" and "environment needs python3 on the host" in refused.result["msg"]
    assert plain.result["stdout"] == "exec-works"  # the plain exec path itself still works


@pytest.mark.parametrize("env", [{"A=B": "x"}, {"": "x"}, {"A": "nul\0byte"}, {"A": 1}], ids=["equals", "empty",
                                                                                                  "nul", "not-text"])
async def test_unusable_variables_fail_before_any_host(tmp_path: Path, env: dict[str, Any]) -> None:
    inv = tmp_path / "inv.ini"
    inv.write_text("localhost ansible_connection=local\n")
    ex = Executor(load_inventory([str(inv)]))
    started: list[Any] = []
    ex.bus.subscribe(started.append)
    try:
        with pytest.raises(ModuleArgsError, match="environment"):
            await ex.run("localhost", "command", {"argv": ["true"]}, environment=env)
    finally:
        await ex.close()
    assert not started  # no RunStarted, no host touched
