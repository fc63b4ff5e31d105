"""What ``drift show`` says about hosts it cannot report normally (issue 12, defect 8).

A damaged snapshot costs only its own host (a warning naming it, status 2, the rest
reported); a host that could not be scanned is listed with the reason; the ignore file
is created private like every other state file. Real parts only: the CLI in-process on
a real state directory, local hosts on fake roots, and a real unreachable SSH host
(127.0.0.1 on a port this test checked is closed).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import yaml

from drift_helpers import make_root
from netutil import closed_port

from ftltui.drift.model import Resource
from ftltui.drift.store import SnapshotStore

SECTIONS = ["users", "groups", "sudoers", "files"]


def object_of(state: Path, snap_id: str) -> Path:
    from ftltui.drift.store import open_store

    with open_store(state, readonly=True) as store:
        return store.objects / f"{store.meta(snap_id).content_hash}.json.gz"


def test_a_corrupt_snapshot_warns_for_its_host_and_reports_the_rest(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1", "w2"], sections=SECTIONS))
    # the hosts differ, so each has its own content file
    (tmp_path / "w1" / "root" / "etc" / "hosts").write_text("127.0.0.1 localhost w1\n")
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    with open(tmp_path / "w2" / "root" / "etc" / "passwd", "a") as fh:
        fh.write("eve:x:1002:1002::/home/eve:/bin/sh\n")
    scan = cli("drift", "scan", "all", "-i", inv, "--json")
    assert scan.rc == 0, scan.err
    w1_latest = json.loads(scan.out)["snapshots"]["w1"]["id"]
    damaged = object_of(cli.state, w1_latest)
    damaged.write_bytes(damaged.read_bytes()[:40])  # cut short, as a crash or a full disk leaves it

    shown = cli("drift", "show", "-i", inv)
    assert shown.rc == 2, shown.out + shown.err  # w1's drift is unknown: trouble, not "no drift"
    assert "eve" in shown.out and "change(s) on 1 of 2 host(s)" in shown.out  # w2 is still reported
    [warning] = [ln for ln in shown.err.splitlines() if "w1" in ln]
    # both of w1's snapshots hold the same content, so either may be the one named
    assert warning.startswith("ftl-tui: warning: w1: not compared: snapshot s") and "is unreadable" in warning
    assert str(damaged) in warning
    assert "ftl-tui drift scan w1" in warning and "w2" not in shown.err
    assert "warning: w1: not compared" in shown.out  # in the report too

    data = json.loads(cli("drift", "show", "-i", inv, "--format", "json").out)
    by_host = {c["host"]: c for c in data["comparisons"]}
    assert "unreadable" in by_host["w1"]["error"] and "error" not in by_host["w2"]
    assert {h for g in data["groups"] for h in g["hosts"]} == {"w2"}
    md = cli("drift", "show", "-i", inv, "--format", "markdown")
    assert md.rc == 2 and "- w1: not compared" in md.out

    # scanning again rewrites the damaged content file: the host is compared again
    assert cli("drift", "scan", "w1", "-i", inv).rc == 0
    healed = cli("drift", "show", "-i", inv)
    assert healed.rc == 1 and "not compared" not in healed.out + healed.err


def test_an_unreachable_host_is_listed_with_the_reason(tmp_path: Path, cli) -> None:
    port = closed_port()
    inv = tmp_path / "inv.yml"
    inv.write_text(yaml.safe_dump({"all": {"vars": {"ftl_drift_sections": SECTIONS}, "hosts": {
        "w1": {"ansible_connection": "local", "ftl_drift_root": str(make_root(tmp_path / "w1"))},
        "far1": {"ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "nobody", "ansible_timeout": 2,
                 "ansible_ssh_common_args": f"-o UserKnownHostsFile={tmp_path}/known_hosts"},
    }}}))
    scan = cli("drift", "scan", "all", "-i", str(inv))
    assert scan.rc == 2 and "far1: FAILED unreachable" in scan.out, scan.out + scan.err

    shown = cli("drift", "show", "-i", str(inv))
    assert shown.rc == 2, shown.out + shown.err  # listed; its drift is unknown (hR finding 17)
    [line] = [ln for ln in shown.out.splitlines() if "far1" in ln]
    assert "far1: could not be scanned at" in line and "unreachable" in line and "refused" in line
    assert "no snapshot yet" not in shown.out  # it was tried: say what happened
    assert "ftl-tui: warning: far1: could not be scanned" in shown.err
    data = json.loads(cli("drift", "show", "-i", str(inv), "--format", "json").out)
    far = next(c for c in data["comparisons"] if c["host"] == "far1")
    assert far["after"] is None and far["scan_failed"]["reason"].startswith("unreachable:")
    assert "scan_failed" not in next(c for c in data["comparisons"] if c["host"] == "w1")


def test_a_failed_scan_is_current_until_a_later_snapshot(tmp_path: Path) -> None:
    from ftltui.drift.compare import ReportOptions, Selection, build_report

    store = SnapshotStore(tmp_path)
    res = [Resource("user", "root", {"uid": 0})]
    store.save("h", res, time=100.0, collector_version="1")
    store.record_failure("h", time=200.0, reason="unreachable: connection refused")

    def report():
        return build_report(SnapshotStore(tmp_path), [("h", [])], Selection(), ReportOptions())

    stale = report()
    assert stale.unscanned == ["h"] and "showing its snapshot of 1970-01-01 00:01:40Z" in stale.problems["h"][0]
    store.save("h", res, time=300.0, collector_version="1")
    assert report().unscanned == [] and report().problems == {}


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_accept_creates_the_ignore_file_private_and_keeps_a_chosen_mode(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1"], sections=SECTIONS))
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    passwd = tmp_path / "w1" / "root" / "etc" / "passwd"
    with open(passwd, "a") as fh:
        fh.write("eve:x:1002:1002::/home/eve:/bin/sh\n")
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    ignore = cli.state / "drift.ignore"
    assert not ignore.exists()
    acc = cli("drift", "accept", "-i", inv, "--reason", "eve joined")
    assert acc.rc == 0, acc.err
    assert _mode(ignore) == 0o600 and "reason='eve joined'" in ignore.read_text()
    assert cli("drift", "show", "-i", inv).rc == 0

    # an ignore file the operator made readable stays so; entries are appended, not replaced
    ignore.chmod(0o644)
    before = ignore.read_text()
    with open(passwd, "a") as fh:
        fh.write("mal:x:1003:1003::/home/mal:/bin/sh\n")
    assert cli("drift", "scan", "all", "-i", inv).rc == 0
    assert cli("drift", "accept", "-i", inv).rc == 0
    assert _mode(ignore) == 0o644 and ignore.read_text().startswith(before) and "mal" in ignore.read_text()
