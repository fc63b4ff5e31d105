"""Profile one tool on one workload: ``python -m bench.harness.profile w1-50 [--tool ftl-tui]``.

Brings up the bed, runs the tool's run once untimed (warm-up), then once under py-spy
(``bench/.peers/tools``: ``pip install py-spy`` there) writing a speedscope/flamegraph
file under bench/.work/. Shows where a missed target's time goes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness.bed import REPO, Bed
from bench.harness.runner import close_ctl_cpu, run_one
from bench.harness.tools import ALL_TOOLS, PEERS
from bench.harness.workloads import all_workloads


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.harness.profile")
    p.add_argument("workload")
    p.add_argument("--tool", default="ftl-tui")
    p.add_argument("--format", default="flamegraph", choices=["flamegraph", "speedscope", "raw"])
    p.add_argument("--rate", type=int, default=250)
    a = p.parse_args()
    work = REPO / "bench" / ".work"
    scratch = Path(tempfile.mkdtemp(prefix="prof-", dir=work))
    scratch.chmod(0o755)
    w = next(x for x in all_workloads(False, scratch) + all_workloads(True, scratch) if x.key == a.workload)
    tool = ALL_TOOLS[a.tool]
    bed = Bed(scratch, w.hosts)
    try:
        rec = run_one(tool, w, bed, scratch, 0, True)
        print(f"warm-up {rec.wall:.2f}s ok={rec.ok} {rec.extra}", file=sys.stderr)
        run_dir = bed.make_run_dir(f"profiled-{scratch.name}") if not w.local else scratch / "profiled-files"
        run_dir.mkdir(exist_ok=True)
        pw = scratch / "profiled"
        pw.mkdir()
        prep = tool.prepare(w, bed, run_dir, pw)
        out = work / f"profile-{a.tool}-{w.key}.{'svg' if a.format == 'flamegraph' else 'txt' if a.format == 'raw' else 'json'}"
        spy = PEERS / "tools" / "bin" / "py-spy"
        cmd = [str(spy), "record", "-r", str(a.rate), "-s", "-f", a.format, "-o", str(out), "--", *prep.argv]
        r = subprocess.run(cmd, env=prep.env, cwd=prep.cwd, capture_output=True, text=True)
        print(r.stdout.strip()[-500:], r.stderr.strip()[-500:], file=sys.stderr)
        print(out)
        if not w.local:
            import shutil

            shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        bed.down()
        close_ctl_cpu()
    return 0


if __name__ == "__main__":
    sys.exit(main())
