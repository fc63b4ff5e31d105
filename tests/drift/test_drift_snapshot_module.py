"""The snapshot collector against a fake root, the live /proc, and Python 3.8."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from ftltui.modules import snapshot
from ftltui.modules.base import ModuleContext, validate_args

PY38 = Path.home() / ".pyenv/versions/3.8.18/bin/python"


def collect(**args):
    params = validate_args(snapshot.SPEC, args)
    return snapshot.run(params, ModuleContext())


def by_key(result):
    return {(r["type"], r["id"]): r["fields"] for r in result["resources"]}


def test_sections_from_a_fake_root(host_root: Path) -> None:
    (host_root / "etc" / "sudoers.d" / "deploy").write_text("deploy ALL=(ALL) NOPASSWD: /usr/bin/systemctl \\\n  restart app\n")
    (host_root / "etc" / "cron.d" / "backup").write_text("MAILTO=root\n0 3 * * * backup /usr/local/bin/backup\n")
    (host_root / "var" / "spool" / "cron" / "crontabs").mkdir(parents=True)
    (host_root / "var" / "spool" / "cron" / "crontabs" / "alice").write_text("@reboot /home/alice/start\n")
    (host_root / "proc" / "sys" / "vm").mkdir(parents=True)
    (host_root / "proc" / "sys" / "vm" / "swappiness").write_text("60\n")
    (host_root / "proc" / "mounts").write_text("/dev/sda1 / ext4 rw,relatime 0 0\n/dev/sdb1 /srv/my\\040data xfs ro 0 0\n")
    res = collect(root=str(host_root), sysctls=["vm.swappiness", "no.such.key"],
                  service_states="/etc/ftl-services",
                  sections=["users", "groups", "sudoers", "cron", "mounts", "sysctl", "services", "files"])
    r = by_key(res)
    assert res["errors"] == []
    assert r[("user", "root")] == {"uid": 0, "gid": 0, "gecos": "root", "home": "/root", "shell": "/bin/bash"}
    assert r[("group", "sudo")] == {"gid": 27, "members": []}
    sudo = {k[1] for k in r if k[0] == "sudoers"}
    assert sudo == {"/etc/sudoers:Defaults env_reset", "/etc/sudoers:root ALL=(ALL:ALL) ALL",
                    "/etc/sudoers.d/deploy:deploy ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart app"}
    cron = {k[1]: v for k, v in r.items() if k[0] == "cron"}
    assert cron["/etc/cron.d/backup:0 3 * * * backup /usr/local/bin/backup"]["user"] == "backup"
    assert cron["/var/spool/cron/crontabs/alice:@reboot /home/alice/start"]["user"] == "alice"
    assert not any("MAILTO" in k for k in cron)
    assert r[("mount", "/srv/my data")] == {"device": "/dev/sdb1", "fstype": "xfs", "options": "ro"}
    assert r[("sysctl", "vm.swappiness")] == {"value": "60"}
    assert ("sysctl", "no.such.key") not in r
    assert r[("service", "nginx.service")] == {"active": "active", "sub": "running"}
    sudoers_file = r[("file", "/etc/sudoers")]
    assert sudoers_file["mode"] == "0440" and sudoers_file["content"] == (host_root / "etc/sudoers").read_text()
    assert ("file", "/etc/sudoers.d/deploy") in r  # from the default glob


def test_watched_files_hash_mode_owner_and_content_limits(host_root: Path) -> None:
    (host_root / "etc" / "big.txt").write_text("x" * 100)
    (host_root / "etc" / "blob.bin").write_bytes(b"\x00\x01\x02")
    os.symlink("hosts", host_root / "etc" / "hosts.link")
    res = collect(root=str(host_root), sections=["files"], max_content=50,
                  paths=["/etc/big.txt", "/etc/blob.bin", "/etc/hosts*", "/etc/missing"])
    r = by_key(res)
    big = r[("file", "/etc/big.txt")]
    assert big["size"] == 100 and "content" not in big and len(big["sha256"]) == 64
    assert "content" not in r[("file", "/etc/blob.bin")]
    assert r[("file", "/etc/hosts")]["content"] == "127.0.0.1 localhost\n"
    assert r[("file", "/etc/hosts")]["owner"] == "root"
    assert r[("file", "/etc/hosts.link")] == {"mode": "0777", "owner": "root", "group": "root", "kind": "link", "target": "hosts"}
    assert ("file", "/etc/missing") not in r


def test_listening_port_found_with_its_process() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.77.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = by_key(collect(sections=["ports"]))
        fields = r[("port", f"tcp/127.77.0.1:{port}")]
    assert fields["port"] == port and fields["proto"] == "tcp"
    assert fields["process"] == Path("/proc/self/comm").read_text().strip()
    r = by_key(collect(sections=["ports"]))
    assert ("port", f"tcp/127.77.0.1:{port}") not in r


def test_unknown_section_is_reported_not_fatal(host_root: Path) -> None:
    res = collect(root=str(host_root), sections=["users", "bogus"])
    assert any("bogus" in e for e in res["errors"])
    assert any(r["type"] == "user" for r in res["resources"])


@pytest.mark.skipif(not PY38.exists(), reason="python 3.8 not installed")
def test_runs_on_python_38(host_root: Path) -> None:
    """The module ships to managed hosts: it must import and run on Python 3.8."""
    repo = Path(snapshot.__file__).resolve().parents[2]
    code = (
        "import json,sys; from ftltui.modules import snapshot; from ftltui.modules.base import *;"
        "p=validate_args(snapshot.SPEC, {'root': sys.argv[1]}); print(json.dumps(snapshot.run(p, ModuleContext())))"
    )
    out = subprocess.run([str(PY38), "-c", code, str(host_root)], cwd=repo, capture_output=True, text=True,
                         env={"PYTHONPATH": str(repo), "PATH": os.environ["PATH"]}, timeout=60)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert ("user", "daemon") in {(r["type"], r["id"]) for r in res["resources"]}


def test_full_default_collection_of_this_host() -> None:
    """No root prefix, default arguments: the live system as a managed host would report it."""
    res = collect()
    types = {r["type"] for r in res["resources"]}
    assert {"os", "user", "group", "mount", "sysctl", "file"} <= types
    if shutil.which("dpkg-query") or shutil.which("rpm") or shutil.which("apk"):
        assert "package" in types
    ids = [(r["type"], r["id"]) for r in res["resources"]]
    assert len(ids) == len(set(ids))  # ids are unique: stable matching needs that
    json.dumps(res)  # the result crosses the gate as JSON
    services = [r["fields"] for r in res["resources"] if r["type"] == "service"]
    if shutil.which("systemctl"):
        assert services and all("enabled" in f for f in services)  # unit files: read from disk
    if not os.path.isdir("/run/systemd/system"):
        assert not any("active" in f for f in services)  # no systemd running: no live state, no error
    assert not any("systemctl" in e for e in res["errors"])


UNIT = "ftl-drift-test-{}.service"


@pytest.mark.skipif(not shutil.which("systemctl"), reason="systemctl not installed")
def test_real_unit_disabled_is_drift(tmp_path: Path) -> None:
    """A throwaway unit enabled then disabled with the real systemctl (works offline too)."""
    from ftltui.drift.classify import classify
    from ftltui.drift.diff import diff_resources
    from ftltui.drift.model import Resource

    name = UNIT.format(os.getpid())
    unit = Path("/etc/systemd/system") / name
    unit.write_text("[Unit]\nDescription=ftl-tui drift test\n[Service]\nExecStart=/bin/true\n"
                    "[Install]\nWantedBy=multi-user.target\n")
    try:
        subprocess.run(["systemctl", "enable", name], check=True, capture_output=True)
        before = collect(sections=["services"])
        subprocess.run(["systemctl", "disable", name], check=True, capture_output=True)
        after = collect(sections=["services"])
    finally:
        subprocess.run(["systemctl", "disable", name], capture_output=True)
        unit.unlink(missing_ok=True)
    assert by_key(before)[("service", name)]["enabled"] == "enabled"

    def rs(res):
        return [Resource(r["type"], r["id"], r["fields"]) for r in res["resources"]]

    changes = classify(diff_resources("local", rs(before), rs(after)))
    assert [(c.id, c.kind, c.category, c.severity) for c in changes] == [(name, "modified", "service", "medium")]
    assert [(f.path, f.before, f.after) for f in changes[0].fields] == [("enabled", "enabled", "disabled")]
