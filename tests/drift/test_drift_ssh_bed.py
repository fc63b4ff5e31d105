"""Drift on real test-bed hosts over SSH (the collector runs in the remote gate).

The bed's hosts are sshd instances on this machine logging in as the throwaway user,
so each host gets its own fake root (its /etc) under /var/tmp, made readable for that
user, with ``<root>/proc`` linked to the live /proc: ports are real sockets. Nothing
outside those directories is touched, and they are removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from drift_helpers import make_root

pytestmark = pytest.mark.ssh

HOSTS = ["h01", "h02", "h03"]
SECTIONS = ["users", "groups", "sudoers", "files", "ports", "services"]


@pytest.fixture
def bed_roots(sshbed):
    base = Path(tempfile.mkdtemp(prefix="ftl-drift-", dir="/var/tmp"))
    roots = {}
    try:
        for name in HOSTS:
            roots[name] = make_root(base / name, real_proc=True)
        for d, _, files in os.walk(base):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        yield roots
    finally:
        shutil.rmtree(base, ignore_errors=True)


def write_inventory(path: Path, bed, roots: dict[str, Path]) -> str:
    hosts = {}
    for name, root in roots.items():
        v = bed.host_vars(name)
        v.update(ftl_drift_root=str(root), ftl_drift_service_states="/etc/ftl-services", ftl_drift_sections=SECTIONS)
        hosts[name] = v
    inv = {"all": {"vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}",
                            "ansible_python_interpreter": "/usr/bin/python3"},
                   "children": {"web": {"hosts": hosts}}}}
    path.write_text(json.dumps(inv))
    return str(path)


def test_drift_over_ssh(sshbed, bed_roots, tmp_path: Path, cli) -> None:
    inv = write_inventory(tmp_path / "inv.json", sshbed, bed_roots)
    cli.state.mkdir()
    (cli.state / "drift.ignore").write_text("*:port\n!*:port:tcp/127.77.*\n")
    first = cli("drift", "scan", "web", "-i", inv, "--json")
    assert first.rc == 0, first.err + first.out
    snaps = json.loads(first.out)["snapshots"]
    assert set(snaps) == set(HOSTS) and all(s["count"] > 5 for s in snaps.values())

    r1 = bed_roots["h01"]
    sshd = r1 / "etc" / "ssh" / "sshd_config"
    sshd.write_text(sshd.read_text().replace("PasswordAuthentication no", "PasswordAuthentication yes"))
    for name in ("h02", "h03"):
        with open(bed_roots[name] / "etc" / "passwd", "a") as fh:
            fh.write("deploy:x:1500:1500:deploy:/home/deploy:/bin/bash\n")
    (bed_roots["h02"] / "etc" / "ftl-services").write_text("nginx.service failed failed\ncron.service active running\n")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.77.0.3", 0))
        s.listen()
        port = s.getsockname()[1]
        second = cli("drift", "scan", "web", "-i", inv)
        assert second.rc == 0, second.err + second.out

    shown = cli("drift", "show", "web", "-i", inv, "--format", "json")
    assert shown.rc == 1, shown.err
    groups = json.loads(shown.out)["groups"]
    got = {(tuple(g["hosts"]), g["type"], g["id"], g["kind"], g["severity"]) for g in groups}
    assert got == {
        (("h01",), "file", "/etc/ssh/sshd_config", "modified", "high"),
        (("h02", "h03"), "file", "/etc/passwd", "modified", "high"),
        (("h02", "h03"), "user", "deploy", "added", "high"),
        (("h02",), "service", "nginx.service", "modified", "high"),
        (("h01", "h02", "h03"), "port", f"tcp/127.77.0.3:{port}", "added", "high"),
    }
    [sshd_change] = [g for g in groups if g["id"] == "/etc/ssh/sshd_config"]
    assert "-PasswordAuthentication no\n+PasswordAuthentication yes\n" in sshd_change["diff"]
