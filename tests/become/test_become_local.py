"""Become on the local connection: modules run in a gate child started through sudo.

The suite runs as root, whom sudo never asks for a password; to meet the real prompt,
``ansible_become_exe`` points at a wrapper that runs sudo as the bed's login user (as a
controller logged in as that user would), so sudo asks for that user's password.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

import pytest

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory
from testbed import BECOME_PASSWORD as PASSWORD
from testbed import BECOME_USER, USER


@pytest.fixture
def sudo_as_login_user(tmp_path: Path, bed_sudoers: Path) -> str:
    if os.geteuid() != 0:
        pytest.skip("needs root to act as the bed's login user")
    d = Path(f"/var/tmp/ftl-become-exe-{os.getpid()}")
    d.mkdir(exist_ok=True)
    exe = d / "sudo-as-login-user"
    exe.write_text(f"#!/bin/sh\nexec runuser -u {USER} -- sudo \"$@\"\n")
    exe.chmod(0o755)
    yield str(exe)
    shutil.rmtree(d, ignore_errors=True)


async def _run(tmp_path: Path, hostvars: dict, module: str, args: dict, **kw):
    inv = tmp_path / "local.json"
    inv.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                               "ansible_python_interpreter": "/usr/bin/python3",
                                                               **hostvars}}}}))
    ex = Executor(load_inventory([str(inv)]), base_dir=str(tmp_path))
    try:
        res = await ex.run("localhost", module, args, **kw)
    finally:
        await ex.close()
    return res.results["localhost"]


async def test_local_become_runs_as_the_user_and_owns_what_it_writes(tmp_path, bed_sudoers) -> None:
    become = {"ansible_become": True, "ansible_become_user": BECOME_USER}
    r = await _run(tmp_path, become, "command", {"argv": ["id", "-un"]})
    assert r.status == "changed" and r.result["stdout"] == BECOME_USER, r.result
    dest = Path(f"/var/tmp/{BECOME_USER}-home/ftl-local-copy.txt")
    src = tmp_path / "src.txt"
    src.write_text("local become\n")
    os.chmod(tmp_path, 0o700)  # the become user cannot read the source itself: the gate gets a copy
    try:
        r = await _run(tmp_path, become, "copy", {"src": str(src), "dest": str(dest)})
        assert r.status == "changed", r.result
        assert pwd.getpwuid(dest.stat().st_uid).pw_name == BECOME_USER
        assert dest.read_text() == "local become\n"
    finally:
        dest.unlink(missing_ok=True)


async def test_plain_local_runs_stay_in_process(tmp_path) -> None:
    r = await _run(tmp_path, {}, "command", {"argv": ["id", "-un"]})
    assert r.result["stdout"] == pwd.getpwuid(os.geteuid()).pw_name


async def test_local_sudo_answers_the_password_prompt(tmp_path, sudo_as_login_user) -> None:
    become = {"ansible_become": True, "ansible_become_user": BECOME_USER, "ansible_become_exe": sudo_as_login_user,
              "ansible_become_password": PASSWORD}
    r = await _run(tmp_path, become, "shell", {"cmd": "id -un; echo $HOME"})
    assert r.status == "changed", r.result
    assert r.result["stdout_lines"] == [BECOME_USER, f"/var/tmp/{BECOME_USER}-home"]


async def test_local_sudo_wrong_or_missing_password_fails_fast(tmp_path, sudo_as_login_user) -> None:
    become = {"ansible_become": True, "ansible_become_user": BECOME_USER, "ansible_become_exe": sudo_as_login_user}
    r = await _run(tmp_path, dict(become, ansible_become_password="not-it"), "ping", {}, timeout=120)
    # never waits for the timeout: that would end as error_kind "timeout"
    assert r.error_kind == "become_failed" and r.msg.startswith("localhost: sudo: incorrect password for user"), r.msg
    r = await _run(tmp_path, become, "ping", {}, timeout=20)
    assert r.msg.startswith("localhost: sudo: a password is required to become ftlbecome"), r.msg


async def test_local_su_as_root_needs_no_password_and_runs_without_a_shell(tmp_path, bed_sudoers) -> None:
    become = {"ansible_become": True, "ansible_become_method": "su", "ansible_become_user": BECOME_USER}
    r = await _run(tmp_path, become, "command", {"argv": ["id", "-un"]})
    assert r.status == "changed" and r.result["stdout"] == BECOME_USER, r.result


async def test_local_gate_subprocess_without_become_runs_as_this_user(tmp_path) -> None:
    """The local gate child (Ansible modules use it) also exists without become: as us, no sudo."""
    from ftltui.engine.local_gate import LocalBecome

    gates = LocalBecome()
    try:
        gate = await gates.gate("localhost", None, "/usr/bin/python3")
        lines: list[str] = []
        res = await gate.run("command", {"argv": ["id", "-un"]}, check=False, secret_args=[],
                             on_output=lambda stream, line: lines.append(line))
        assert res["stdout"] == pwd.getpwuid(os.geteuid()).pw_name
        assert await gates.gate("localhost", None, "/usr/bin/python3") is gate  # kept
    finally:
        await gates.close()
