"""`play --check` and `drift show --desired` report the same declared-vs-actual drift."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ftltui.cli import main

WF = """
name: motd
hosts: all
steps:
  - name: dir
    module: file
    args: {path: "{{ root }}/{{ inventory_hostname }}", state: directory}
  - name: motd
    depends_on: [dir]
    module: copy
    args:
      dest: "{{ root }}/{{ inventory_hostname }}/motd"
      content: "hello from {{ inventory_hostname }}\\n"
"""


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    root = tmp_path / "hosts"
    inv = tmp_path / "inv.yml"
    inv.write_text(yaml.safe_dump({"all": {"vars": {"ansible_connection": "local", "root": str(root)},
                                           "hosts": {"a": {}, "b": {}}}}))
    wf = tmp_path / "wf.yml"
    wf.write_text(WF)
    return root, inv, wf


def test_play_check_reports_exactly_what_would_change(tmp_path, capsys):
    root, inv, wf = _setup(tmp_path)
    state = tmp_path / "state"
    assert main(["play", str(wf), "-i", str(inv), "--state-dir", str(state)]) == 0
    (root / "b" / "motd").write_text("tampered\n")
    capsys.readouterr()
    assert main(["play", str(wf), "-i", str(inv), "--state-dir", str(state), "--check", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    out = json.loads("\n".join(lines[lines.index("{"):]))  # events are JSON lines, then the summary
    drift = out["desired_drift"]
    assert [(g["hosts"], g["type"], g["id"]) for g in drift["groups"]] == [(["b"], "desired", "motd")]
    assert "-tampered" in drift["groups"][0]["diff"] and "+hello from b" in drift["groups"][0]["diff"]
    assert (root / "b" / "motd").read_text() == "tampered\n"  # check mode changed nothing

    assert main(["play", str(wf), "-i", str(inv), "--state-dir", str(state), "--check"]) == 0
    text = capsys.readouterr().out
    assert "desired-state drift (what this workflow would change)" in text and "+hello from b" in text

    # the drift view shows the same change, through the same runner
    code = main(["drift", "show", "all", "-i", str(inv), "--state-dir", str(state), "--desired", str(wf),
                 "--format", "json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(g["hosts"], g["id"]) for g in shown["groups"] if g["type"] == "desired"] == [(["b"], "motd")]
