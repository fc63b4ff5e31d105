"""Ansible modules through become (sudo with a password) and through jump hosts, on the real bed."""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from testbed import BECOME_PASSWORD, BECOME_USER, SUDOERS

pytestmark = [pytest.mark.ssh]


def _executor(path: Path, bed: Any, hosts: dict[str, dict[str, Any]]) -> Executor:
    out = {n: {**bed.host_vars(n), **extra} for n, extra in hosts.items()}
    path.write_text(json.dumps({"all": {"vars": {
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}",
        "ansible_python_interpreter": "/usr/bin/python3"}, "hosts": out}}))
    return Executor(load_inventory([str(path)]))


@pytest.mark.skipif(shutil.which("sudo") is None, reason="sudo is not installed")
async def test_collection_module_runs_as_the_become_user(sshbed, tmp_path) -> None:
    if not SUDOERS.exists():
        sshbed._ensure_become()
    target = Path(f"/tmp/ftl-am-become-{tmp_path.name}.ini")
    ex = _executor(tmp_path / "inv.json", sshbed, {"h04": {
        "ansible_become": True, "ansible_become_user": BECOME_USER, "ansible_become_password": BECOME_PASSWORD}})
    try:
        res = await ex.run("h04", "community.general.ini_file",
                           {"path": str(target), "section": "s", "option": "who", "value": "x"})
        r = res.results["h04"]
        assert r.status == "changed", r.result
        assert pwd.getpwuid(target.stat().st_uid).pw_name == BECOME_USER
        assert BECOME_PASSWORD not in json.dumps(res.to_dict())
    finally:
        await ex.close()
        target.unlink(missing_ok=True)


async def test_collection_module_over_a_jump_host(jumpbed, tmp_path) -> None:
    ex = _executor(tmp_path / "inv.json", jumpbed, {"bastion": {}, "internal-1": {}})
    try:
        res = await ex.run("internal-1", "community.general.ini_file",
                           {"path": f"/tmp/ftl-am-jump-{tmp_path.name}.ini", "section": "s", "option": "o",
                            "value": "1"})
        assert res.results["internal-1"].status == "changed", res.results["internal-1"].result
        res = await ex.run("internal-1", "ansible.builtin.stat", {"path": f"/tmp/ftl-am-jump-{tmp_path.name}.ini"})
        assert res.results["internal-1"].result["stat"]["exists"] is True
    finally:
        await ex.close()
        try:
            os.unlink(f"/tmp/ftl-am-jump-{tmp_path.name}.ini")
        except OSError:
            pass
