"""A drift scan that could not scan a host is recorded as a failed job, as ``drift scan``
exits 2 for it and as a run with an unreachable host is recorded (hD finding 7: the job
said ``succeeded`` while the command said 2). The snapshots it did save stay in the job's
summary. The real CLI in-process, a real ConsoleSession for the run, ssh to a refused port.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from drift_helpers import with_dead_w2

from ftltui.console.session import ConsoleSession
from ftltui.inventory import load_inventory

SECTIONS = ["users", "groups"]


def _job(cli, job_id: int) -> dict:
    shown = cli("jobs", "show", str(job_id), "--json")
    assert shown.rc == 0, shown.err
    return json.loads(shown.out)


def test_a_scan_with_an_unreachable_host_is_a_failed_job_as_its_exit_status_says(tmp_path: Path, local_inv,
                                                                                 cli) -> None:
    inv = local_inv(["w1", "w2"], sections=SECTIONS)
    clean = cli("drift", "scan", "all", "-i", str(inv))
    assert clean.rc == 0, clean.out + clean.err
    assert _job(cli, 1)["state"] == "succeeded"  # every host scanned

    broken = with_dead_w2(tmp_path, inv)
    scan = cli("drift", "scan", "all", "-i", str(broken))
    assert scan.rc == 2, scan.out + scan.err
    assert "1 of 2 host(s) scanned (job 2)" in scan.out and "w1: snapshot " in scan.out
    job = _job(cli, 2)
    assert job["state"] == "failed", job
    assert job["error_kind"] == "unreachable"
    assert "1 of 2 host(s) scanned, 1 failed; w2: unreachable" in job["history"][-1][2]
    assert list(job["summary"]["snapshots"]) == ["w1"] and list(job["summary"]["failed"]) == ["w2"]
    listed = cli("jobs", "list")
    assert any(line.split()[:2] == ["2", "failed"] for line in listed.out.splitlines()), listed.out

    # the snapshot of w1 it saved is used: `drift show w1` compares it with job 1's
    assert cli("drift", "show", "w1", "-i", str(inv)).rc == 0

    # a run with the same unreachable host is recorded the same way (the console's Jobs pane shows both)
    async def run_job() -> dict:
        async with ConsoleSession(cli.state, inventory=load_inventory([str(broken)])) as session:
            ran = await session.wait((await session.submit_run("all", "ping", {})).id)
            return {"state": ran.state, "error_kind": ran.error_kind}

    assert asyncio.run(run_job()) == {"state": job["state"], "error_kind": job["error_kind"]}
