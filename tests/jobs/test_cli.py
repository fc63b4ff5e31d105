"""The headless CLI: play a sample workflow, inspect it, follow a running job's log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ftltui.paths import REPO_DIR, SAMPLE_INVENTORY


def ftl(*args: str, state: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)],
                          capture_output=True, text=True, env=env, timeout=60, **kw)


def test_play_sample_then_inspect(tmp_path: Path) -> None:
    state = tmp_path / "st"
    r = ftl("play", str(SAMPLE_INVENTORY / "workflows" / "local-smoke.yml"), state=state)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "[report] succeeded" in r.stdout
    (job,) = json.loads(ftl("jobs", "list", "--json", state=state).stdout)
    assert job["state"] == "succeeded"
    shown = json.loads(ftl("jobs", "show", str(job["id"]), "--json", state=state).stdout)
    assert shown["steps"]["read_config"]["results"]["localhost"]["result"]["stdout"].count("host = localhost") == 1
    logs = ftl("jobs", "logs", str(job["id"]), state=state).stdout
    assert "read_config localhost | port = 8080" in logs


def test_bad_workflow_exit_4_and_failed_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("name: b\nhosts: localhost\nsteps:\n  - name: a\n    module: nosuch\n")
    r = ftl("play", str(bad), state=tmp_path / "st")
    assert r.returncode == 4 and f"{bad}:5:13: unknown module" in r.stderr
    fail = tmp_path / "fail.yml"
    fail.write_text("name: f\nhosts: localhost\nsteps:\n  - name: a\n    module: command\n    args: 'false'\n")
    r = ftl("play", str(fail), "--json", state=tmp_path / "st")
    assert r.returncode == 2
    assert json.loads(r.stdout[r.stdout.rindex("\n{"):])["state"] == "failed"
    retry = ftl("jobs", "retry", "1", state=tmp_path / "st")
    assert retry.returncode == 2 and "job 2" in retry.stdout
    assert json.loads(ftl("jobs", "show", "2", "--json", state=tmp_path / "st").stdout)["parent"] == 1


def test_follow_and_cancel_from_second_process(tmp_path: Path) -> None:
    state = tmp_path / "st"
    wf = tmp_path / "slow.yml"
    wf.write_text(textwrap.dedent("""
        name: slow
        hosts: localhost
        steps:
          - {name: a, module: command, args: "echo started"}
          - {name: b, module: command, args: "sleep 30", depends_on: [a]}
    """))
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    play = subprocess.Popen([sys.executable, "-m", "ftltui", "play", str(wf), "--state-dir", str(state)],
                            stdout=subprocess.PIPE, text=True, env=env)
    for line in play.stdout:
        if "[b] running" in line:
            break
    second = ftl("play", str(wf), state=state)  # one writer only
    assert second.returncode == 4 and "in use by pid" in second.stderr
    follow = subprocess.Popen([sys.executable, "-m", "ftltui", "jobs", "logs", "1", "--follow", "--state-dir",
                               str(state)], stdout=subprocess.PIPE, text=True, env=env)
    cancel = ftl("jobs", "cancel", "1", state=state)
    assert "cancel requested" in cancel.stdout
    out, _ = follow.communicate(timeout=30)
    assert "a localhost | started" in out and "job cancelled" in out
    assert play.wait(timeout=30) == 2


def test_cancel_queued_job_without_owner_runs_nothing(tmp_path: Path) -> None:
    import asyncio

    from ftltui.jobs import JobQueue
    from ftltui.state import StateStore

    async def queue_two() -> None:
        store = StateStore.open(tmp_path / "st")
        q = JobQueue(store)
        await q.enqueue("noop", {})
        await q.enqueue("noop", {})
        store.close()

    asyncio.run(queue_two())
    r = ftl("jobs", "cancel", "1", state=tmp_path / "st")
    assert r.returncode == 0 and "job 1: cancelled" in r.stdout
    states = {j["id"]: j["state"] for j in json.loads(ftl("jobs", "list", "--json", state=tmp_path / "st").stdout)}
    assert states == {1: "cancelled", 2: "queued"}



def test_retry_of_a_run_where_every_host_finished_reruns_nothing(tmp_path: Path) -> None:
    """`jobs retry` re-runs from failure: with no failed host there is nothing to re-run (it
    used to fall back to the whole pattern and run the module again on every host)."""
    import asyncio

    from ftltui.console import ConsoleSession
    from ftltui.inventory import load_inventory

    state = tmp_path / "st"
    marker = tmp_path / "ran"

    async def one_run() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(SAMPLE_INVENTORY)])) as session:
            job = await session.submit_run("localhost", "shell", {"_raw_params": f"echo x >> {marker}"})
            assert session.queue is not None
            done = await session.queue.wait(job.id)
            assert done.state == "succeeded", done.state
            return job.id

    job_id = asyncio.run(one_run())
    retry = ftl("jobs", "retry", str(job_id), state=state)
    assert retry.returncode == 4 and "nothing to re-run" in retry.stderr, retry.stderr + retry.stdout
    assert marker.read_text() == "x\n"
    assert len(json.loads(ftl("jobs", "list", "--json", state=state).stdout)) == 1
