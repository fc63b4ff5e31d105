"""A become'd gate runs as another user, so its modules get that user's own fork server (real bed, sudo)."""

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


def _servers_of(uid: int) -> list[int]:
    """Fork server processes (not their spare children) running as ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        owner = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[2])
        if b"ftltui.gate.fork_server" in cmd and owner == uid:
            found.append(int(entry))
    return found


@pytest.mark.skipif(shutil.which("sudo") is None, reason="sudo is not installed")
async def test_become_user_gets_its_own_server_in_its_own_cache(sshbed: Any, tmp_path: Path) -> None:
    if not SUDOERS.exists():
        sshbed._ensure_become()
    become = pwd.getpwnam(BECOME_USER)
    target = Path(f"/tmp/ftl-fs-become-{tmp_path.name}.ini")
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"vars": {
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={sshbed.known_hosts}",
        "ansible_python_interpreter": "/usr/bin/python3"}, "hosts": {"h04": {
            **sshbed.host_vars("h04"), "ansible_become": True, "ansible_become_user": BECOME_USER,
            "ansible_become_password": BECOME_PASSWORD}}}}))
    ex = Executor(load_inventory([str(inv)]))
    try:
        res = await ex.run("h04", "community.general.ini_file",
                           {"path": str(target), "section": "s", "option": "who", "value": "x"})
        assert res.results["h04"].status == "changed", res.results["h04"].result
        assert pwd.getpwuid(target.stat().st_uid).pw_name == BECOME_USER
        servers = _servers_of(become.pw_uid)
        assert servers, "no fork server runs as the become user"
        socks = list((Path(become.pw_dir) / ".cache" / "ftl-tui").glob("fs-*.sock"))
        assert socks and all(s.stat().st_uid == become.pw_uid and s.stat().st_mode & 0o777 == 0o600 for s in socks)
        assert BECOME_PASSWORD not in " ".join(Path(f"/proc/{p}/cmdline").read_bytes().decode() for p in servers)
    finally:
        await ex.close()
        target.unlink(missing_ok=True)
