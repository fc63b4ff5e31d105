"""Drift scan benchmark on the SSH test bed: N hosts, full default collection, one job.

Not a test. Starts a private test bed of N loopback sshd hosts (tests/testbed.py),
then runs ``ftl-tui drift scan all`` in-process (one ``drift_scan`` job through the job
queue and the remote gates) twice: the first scan pays connection + gate start, the
second reuses nothing (new process state, as a CLI run would). Prints a Markdown row.

    python bench/drift_scan_bench.py [--hosts 50]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from testbed import TestBed  # noqa: E402

from ftltui.cli import main as cli  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=50)
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="ftl-drift-bench-")
    state = tempfile.mkdtemp(prefix="ftl-drift-state-")
    bed = TestBed(root)
    try:
        bed.up(a.hosts, jump=False)
        rows = []
        for run in (1, 2):
            out = io.StringIO()
            t = time.perf_counter()
            with redirect_stdout(out):
                rc = cli(["--state-dir", state, "drift", "scan", "all", "-i", str(bed.inventory), "--json"])
            took = time.perf_counter() - t
            data = json.loads(out.getvalue())
            counts = [s["count"] for s in data["snapshots"].values()]
            rows.append((run, rc, took, len(data["snapshots"]), len(data["failed"]), min(counts or [0]), max(counts or [0])))
        print("| scan | exit | hosts scanned | failed | resources/host | wall time |")
        print("|---|---|---|---|---|---|")
        for run, rc, took, ok, failed, lo, hi in rows:
            print(f"| {run} | {rc} | {ok} | {failed} | {lo}-{hi} | {took:.2f} s |")
    finally:
        bed.down()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
