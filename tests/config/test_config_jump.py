"""ansible.cfg's remote_user and private_key_file reach a jump host too, not only the target.

The inventory names the bastion and the internal host but gives neither a user nor a key:
those come only from ansible.cfg (or ``-u``/``--private-key``), as in many real projects.
The internal host is reachable only through the bastion (a network namespace of the bed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ssh
REPO = Path(__file__).resolve().parents[2]


def _inventory(bed, path: Path) -> Path:
    hosts = {}
    for name in ("bastion", "internal-1"):
        v = {k: x for k, x in bed.host_vars(name).items() if k not in ("ansible_user", "ansible_ssh_private_key_file")}
        hosts[name] = v
    path.write_text(json.dumps({"all": {
        "vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts} -o GlobalKnownHostsFile=/dev/null "
                                            "-o IdentitiesOnly=yes -o IdentityAgent=none",
                 "ansible_python_interpreter": "/usr/bin/python3"},
        "hosts": hosts}}))
    return path


def _ftl(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "SSH_AUTH_SOCK"}
    env.update(HOME=str(cwd / "home"), PYTHONPATH=str(REPO))
    (cwd / "home").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "ftltui", "run", *argv, "--state-dir", str(cwd / "state")],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_user_and_key_from_ansible_cfg_reach_the_bastion(jumpbed, tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir(mode=0o755)
    os.chmod(proj, 0o755)
    _inventory(jumpbed, proj / "hosts.json")
    (proj / "ansible.cfg").write_text(f"[defaults]\ninventory = hosts.json\nremote_user = {jumpbed.user}\n"
                                      f"private_key_file = {jumpbed.key}\ntimeout = 5\n")
    r = _ftl(proj, "internal-1", "-a", "id -un")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"internal-1 | CHANGED | rc=0 >>\n{jumpbed.user}\n"
    # and from the command line, with no remote_user in the config
    (proj / "ansible.cfg").write_text("[defaults]\ninventory = hosts.json\n")
    r = _ftl(proj, "internal-1", "-m", "ping", "-u", jumpbed.user, "--private-key", str(jumpbed.key))
    assert r.returncode == 0 and r.stdout.startswith("internal-1 | SUCCESS => {"), r.stdout + r.stderr
    # without them the bastion refuses: the user and key above were what made it work
    r = _ftl(proj, "internal-1", "-m", "ping", "-T", "5")
    assert r.returncode != 0 and "bastion: authentication failed as root" in r.stdout, r.stdout + r.stderr
