"""Markdown, JSON and table output are stable: golden files from fixed snapshots.

Regenerate after an intended change with ``FTL_UPDATE_GOLDEN=1 pytest tests/drift/test_golden.py``
and review the diff of ``tests/drift/golden/``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from ftltui.drift.compare import ReportOptions, Selection, build_report
from ftltui.drift.ignore import parse_ignore
from ftltui.drift.model import Resource
from ftltui.drift.report import render
from ftltui.drift.store import SnapshotStore

GOLDEN = Path(__file__).parent / "golden"
T0 = 1_767_225_600.0  # 2026-01-01 00:00:00Z


def base(host: str) -> list[Resource]:
    return [
        Resource("os", "os", {"distribution": "debian", "version": "12", "kernel": "6.1.0-25-amd64"}),
        Resource("package", "openssl", {"version": "3.0.11-1~deb12u2", "arch": "amd64", "manager": "dpkg"}),
        Resource("package", "nginx", {"version": "1.22.1-9", "arch": "amd64", "manager": "dpkg"}),
        Resource("service", "nginx.service", {"load": "loaded", "active": "active", "sub": "running"}),
        Resource("port", "tcp/0.0.0.0:22", {"proto": "tcp", "address": "0.0.0.0", "port": 22, "process": "sshd"}),
        Resource("user", "root", {"uid": 0, "gid": 0, "gecos": "root", "home": "/root", "shell": "/bin/bash"}),
        Resource("group", "sudo", {"gid": 27, "members": ["admin"]}),
        Resource("sudoers", "/etc/sudoers:root ALL=(ALL:ALL) ALL", {"file": "/etc/sudoers", "entry": "root ALL=(ALL:ALL) ALL"}),
        Resource("file", "/etc/ssh/sshd_config", {"mode": "0644", "owner": "root", "group": "root", "kind": "file",
                                                  "size": 27, "sha256": "aa", "content": "PermitRootLogin no\nPort 22\n"}),
        Resource("sysctl", "net.ipv4.ip_forward", {"value": "0"}),
    ]


def drifted(host: str) -> list[Resource]:
    res = {r.key: r for r in base(host)}
    res[("package", "openssl")] = Resource("package", "openssl", {"version": "3.0.15-1~deb12u1", "arch": "amd64", "manager": "dpkg"})
    if host == "web1":
        res[("file", "/etc/ssh/sshd_config")] = Resource("file", "/etc/ssh/sshd_config", {
            "mode": "0644", "owner": "root", "group": "root", "kind": "file", "size": 28, "sha256": "bb",
            "content": "PermitRootLogin yes\nPort 22\n"})
        res[("port", "tcp/0.0.0.0:4444")] = Resource("port", "tcp/0.0.0.0:4444", {"proto": "tcp", "address": "0.0.0.0", "port": 4444, "process": "nc"})
        res[("user", "mallory")] = Resource("user", "mallory", {"uid": 1002, "gid": 1002, "gecos": "", "home": "/home/mallory", "shell": "/bin/bash"})
    if host == "web2":
        res[("service", "nginx.service")] = Resource("service", "nginx.service", {"load": "loaded", "active": "inactive", "sub": "dead"})
        res[("group", "sudo")] = Resource("group", "sudo", {"gid": 27, "members": ["admin", "intern"]})
    if host == "db1":
        del res[("package", "nginx")]
        res[("sysctl", "net.ipv4.ip_forward")] = Resource("sysctl", "net.ipv4.ip_forward", {"value": "1"})
    return list(res.values())


def make_report(tmp_path: Path, **opts):
    store = SnapshotStore(tmp_path)
    hosts = ["db1", "web1", "web2"]
    for i, h in enumerate(hosts):
        store.save(h, base(h), time=T0 + i, collector_version="1")
        store.save(h, drifted(h), time=T0 + 3600 + i, collector_version="1")
    ignore = parse_ignore("db1:sysctl reason=router expires=2026-12-31\n")
    options = ReportOptions(now=T0 + 7200, today=dt.date(2026, 1, 2), ignore=ignore, **opts)
    return build_report(store, [(h, ()) for h in hosts], Selection(), options)


@pytest.mark.parametrize("fmt,name", [("markdown", "report.md"), ("json", "report.json"), ("table", "report.txt")])
def test_golden(tmp_path: Path, fmt: str, name: str) -> None:
    text = render(make_report(tmp_path), fmt, diffs=True)
    path = GOLDEN / name
    if os.environ.get("FTL_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_threshold_filters_and_counts(tmp_path: Path) -> None:
    report = make_report(tmp_path, min_severity="high")
    assert {c.severity for c in report.changes} <= {"high", "critical"}
    assert report.below_threshold > 0 and report.ignored == 1
    full = make_report(tmp_path / "2")
    assert len(full.changes) == len(report.changes) + report.below_threshold
