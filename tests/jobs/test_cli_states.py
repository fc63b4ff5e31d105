"""What readers are told (issue 12, defects 6, 7 and 15): the effective state of a job
whose owner died or hangs, steps closed when recovery closes their job, per step and per
host results, and a header on ``jobs list``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ftltui.jobs.owner import process_start_time
from ftltui.paths import REPO_DIR
from ftltui.state import StateStore

from test_cli import ftl


def _play_until(wf: Path, state: Path, marker: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    play = subprocess.Popen([sys.executable, "-m", "ftltui", "play", str(wf), "--state-dir", str(state)],
                            stdout=subprocess.PIPE, text=True, env=env)
    for line in play.stdout:  # type: ignore[union-attr]
        if marker in line:
            return play
    raise AssertionError(f"play ended before {marker!r}")


def test_killed_owner_is_lost_for_readers_and_steps_close(tmp_path: Path) -> None:
    state, pidfile = tmp_path / "st", tmp_path / "sleep.pid"
    wf = tmp_path / "slow.yml"
    wf.write_text(textwrap.dedent(f"""
        name: slow
        hosts: localhost
        steps:
          - {{name: a, module: command, args: "echo started"}}
          - name: b
            module: command
            depends_on: [a]
            args: {{argv: [sh, -c, "echo $$ > {pidfile}; exec sleep 30"]}}
    """))
    play = _play_until(wf, state, "[b] running")
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.05)
    play.send_signal(signal.SIGKILL)
    play.wait()
    try:
        (row,) = json.loads(ftl("jobs", "list", "--json", state=state).stdout)
        assert row["state"] == "lost" and row["stored_state"] == "running"
        assert f"owner pid {play.pid} gone: will be recovered as lost" in row["state_note"]
        listing = ftl("jobs", "list", state=state).stdout.splitlines()
        assert listing[0].split() == ["ID", "STATE", "TRIES", "UPDATED", "TITLE"]
        assert listing[1].split()[1] == "lost" and "owner pid" in listing[1]
        shown = json.loads(ftl("jobs", "show", "1", "--json", state=state).stdout)
        assert shown["state"] == "lost" and shown["stored_state"] == "running"
        text = ftl("jobs", "show", "1", state=state).stdout
        assert "running (owner pid" in text and "attempt 1: interrupted" in text
        assert "attempt 1: running" not in text
        follow = ftl("jobs", "logs", "1", "--follow", state=state)  # ends: nobody will write more
        assert follow.returncode == 2 and "owner pid" in follow.stdout.splitlines()[-1]  # lost: not succeeded

        # recovery (here by `jobs cancel`, which opens the store for writing) closes the
        # job as lost, then the cancel closes it: no step may still read running
        assert ftl("jobs", "cancel", "1", state=state).returncode == 0
        shown = json.loads(ftl("jobs", "show", "1", "--json", state=state).stdout)
        assert shown["state"] == "cancelled"
        assert {n: s["state"] for n, s in shown["steps"].items()} == {"a": "succeeded", "b": "cancelled"}
        b_host = shown["steps"]["b"]["per_host"]["localhost"]
        assert b_host["state"] != "running" and b_host["attempts"][-1]["error_kind"] == "lost"
        text = ftl("jobs", "show", "1", state=state).stdout
        assert "step b  cancelled" in text and "running" not in text.split("step a")[1]
    finally:
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)  # the local process outlives its controller
        except (OSError, ValueError):
            pass


def test_live_owner_with_stale_heartbeat_is_hung(tmp_path: Path) -> None:
    state = tmp_path / "st"
    store = StateStore.open(state)
    now = time.time()
    owner = {"pid": os.getpid(), "start": process_start_time(os.getpid()), "heartbeat": now - 120, "every": 2.0}
    fresh = {**owner, "heartbeat": now}
    for o in (owner, fresh):
        store.table("jobs").insert({"kind": "noop", "spec": {}, "state": "running", "title": "t", "owner": o,
                                    "attempts": 1, "updated": now, "history": [["running", now, ""]]})
    store.close()
    rows = {r["id"]: r for r in json.loads(ftl("jobs", "list", "--json", state=state).stdout)}
    assert rows[1]["state"] == "hung" and "alive but silent for 12" in rows[1]["state_note"]
    assert rows[2]["state"] == "running" and rows[2]["state_note"] == ""


def test_workflow_show_has_each_step_per_host(tmp_path: Path) -> None:
    state = tmp_path / "st"
    wf = tmp_path / "two.yml"
    wf.write_text(textwrap.dedent(f"""
        name: two
        hosts: localhost
        steps:
          - {{name: write, module: copy, args: {{dest: "{tmp_path}/f", content: "x"}}}}
          - {{name: fail, module: command, args: "false", depends_on: [write]}}
          - {{name: look, module: ping, depends_on: [write]}}
    """))
    assert ftl("play", str(wf), state=state).returncode == 2
    text = ftl("jobs", "show", "1", state=state).stdout
    lines = text.splitlines()
    at = {ln.split()[1]: i for i, ln in enumerate(lines) if ln.lstrip().startswith("step ")}
    assert lines[at["write"] + 1].split()[:2] == ["localhost", "changed"]
    assert lines[at["fail"] + 1].split()[:3] == ["localhost", "failed", "rc=1"]
    assert lines[at["look"] + 1].split()[:2] == ["localhost", "ok"]
    assert lines[at["look"] + 1].split()[2].endswith("s")  # a duration
