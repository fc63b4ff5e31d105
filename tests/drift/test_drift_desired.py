"""Desired-state drift: a workflow's steps in check mode become 'declared vs actual' changes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ftltui.drift.desired import changes_from_results
from ftltui.engine.events import HostResult


def test_result_shapes_become_changes() -> None:
    results = {
        "a": HostResult("a", "changed", {"changed": True, "diff": {"before": "x\n", "after": "y\n", "before_header": "/etc/motd"}}),
        "b": HostResult("b", "ok", {"changed": False}),
        "c": HostResult("c", "changed", {"changed": True, "diff": [{"before": {"state": "absent"}, "after": {"state": "directory"}}]}),
        "d": HostResult("d", "unreachable", {"msg": "no route"}),
        "e": HostResult("e", "changed", {"changed": True, "msg": "would restart"}),
    }
    changes, warnings = changes_from_results("motd", "copy", results)
    by_host = {c.host: c for c in changes}
    assert set(by_host) == {"a", "c", "e"}
    assert by_host["a"].diff.splitlines()[:2] == ["--- actual /etc/motd", "+++ declared /etc/motd"]
    assert [(f.path, f.before, f.after) for f in by_host["c"].fields] == [("state", "absent", "directory")]
    assert by_host["e"].summary == "copy would change: would restart"
    assert all(c.type == "desired" and c.source == "declared" and c.id == "motd" for c in changes)
    assert warnings == ["d: step 'motd' could not be checked (unreachable: no route)"]


def test_show_desired_in_the_same_report(tmp_path: Path, local_inv, cli) -> None:
    inv = str(local_inv(["w1", "w2"], sections=["users"]))
    motd = tmp_path / "motd"
    motd.write_text("old\n")
    wf = tmp_path / "site.yml"
    wf.write_text(yaml.safe_dump({"name": "site", "hosts": "web", "steps": [
        {"name": "motd", "module": "copy", "args": {"dest": str(motd), "content": "new\n"}},
        {"name": "in-sync", "module": "file", "args": {"path": str(tmp_path), "state": "directory"}},
    ]}))
    r = cli("drift", "show", "-i", inv, "--desired", str(wf), "--format", "json")
    assert r.rc == 1, r.err
    data = json.loads(r.out)
    [g] = data["groups"]
    assert (g["type"], g["id"], g["source"], g["hosts"]) == ("desired", "motd", "declared", ["w1", "w2"])
    assert "-old\n+new\n" in g["diff"] and motd.read_text() == "old\n"  # check mode changed nothing
    md = cli("drift", "show", "-i", inv, "--desired", str(wf), "--format", "markdown").out
    assert "| medium | config | w1, w2 | desired | `motd` | modified |" in md
    (cli.state / "drift.ignore").write_text("*:desired:motd\n")
    assert cli("drift", "show", "-i", inv, "--desired", str(wf)).rc == 0
