"""``python -m bench``: ftl-tui vs ansible-playbook vs FTL2 vs the floor on the SSH test bed.

Root only (the test bed starts sshd's and uses a throwaway user). Not part of pytest.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import peers, report
from bench.harness.bed import REPO, Bed
from bench.harness.runner import close_ctl_cpu, run_workload
from bench.harness.tools import ALL_TOOLS
from bench.harness.workloads import all_workloads


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def snapshot_code(scratch: Path) -> dict[str, str]:
    """Copy ftltui/ as it is now: the whole benchmark runs this code even if the tree changes."""
    dst = scratch / "src"
    shutil.copytree(REPO / "ftltui", dst / "ftltui", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(REPO)]
    sha = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--", "ftltui"], capture_output=True, text=True).stdout
    return {"path": str(dst), "commit": sha + ("+uncommitted ftltui changes" if dirty.strip() else "")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 2 rounds, small N")
    p.add_argument("--rounds", type=int, default=None, help="measured rounds (default 5, quick 2)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--quiet-wait", type=float, default=10.0,
                   help="before each round wait up to this many seconds for the CPUs to be >= 75%% idle")
    p.add_argument("--tools", default="floor,ftl-tui,ftl-tui play,ansible,ftl2")
    p.add_argument("--only", default="", help="comma-separated workload keys or prefixes (w1,w4-10,...)")
    p.add_argument("--out", default=None, help="RESULTS.md path (default bench/RESULTS.md; quick: bench/.work/)")
    p.add_argument("--merge", action="store_true",
                   help="replace only the re-run workloads in the existing results.json, keep the rest")
    p.add_argument("--rewrite", metavar="RESULTS_JSON", default=None,
                   help="only re-render the Markdown next to this results.json (no runs)")
    from bench import ansible_modules_bench, playbook_bench, scale_bench, shard_bench

    ansible_modules_bench.add_arguments(p)
    playbook_bench.add_arguments(p)
    scale_bench.add_arguments(p)
    shard_bench.add_arguments(p)
    a = p.parse_args(argv)
    if a.shards:  # issue 17: where --workers N starts to pay: bench/RESULTS-shards.md
        return shard_bench.main(a, log)
    if a.scale:  # issue 17: 200/500/1,000 hosts and the console at 1,000: bench/RESULTS-scale.md
        return scale_bench.main(a, log)
    if a.playbooks:  # issue 15's playbook workload: bench/RESULTS-playbooks.md
        return playbook_bench.main(a, log)
    if a.ansible_modules:  # issue 14's workload and per host-task figures: bench/RESULTS-ansible-modules.md
        return ansible_modules_bench.main(a, log)
    if a.rewrite:
        js = Path(a.rewrite)
        report.rewrite(js, Path(a.out) if a.out else js.with_name("RESULTS.md"))
        return 0
    rounds = a.rounds or (2 if a.quick else 5)
    work = REPO / "bench" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    out_md = Path(a.out) if a.out else (work / "RESULTS-quick.md" if a.quick else REPO / "bench" / "RESULTS.md")
    out_json = out_md.with_name("results-quick.json" if a.quick and not a.out else "results.json") \
        if not a.out else out_md.with_suffix(".json")
    versions = {"ftl-tui": "engine in-process"}
    tools = peers.select_tools(a.tools.split(","), ALL_TOOLS, versions, log)
    import asyncssh

    versions["asyncssh"] = asyncssh.__version__
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    scratch.chmod(0o755)  # sshd reads the bed's authorized_keys below it as the test-bed user
    wls = all_workloads(a.quick, scratch)
    if a.only:
        keys = a.only.split(",")
        wls = [w for w in wls if any(w.key == k or w.key.startswith(k) for k in keys)]
    code = snapshot_code(scratch)
    ALL_TOOLS["ftl-tui"].src = str(code["path"])  # type: ignore[attr-defined]
    ALL_TOOLS["ftl-tui play"].src = str(code["path"])  # type: ignore[attr-defined]
    versions["ftl-tui"] = f"{code['commit']} (engine in-process)"
    load_start = Path("/proc/loadavg").read_text().split()[:3]
    bed = Bed(scratch, max(w.hosts for w in wls))
    log(f"bench: test bed up ({max(w.hosts for w in wls)} hosts) in {scratch}")
    recs = []
    try:
        for w in wls:
            fan_out = any(len(s) > 1 for s in w.steps)
            ts = [t for t in tools if not (w.local and t.remote_only) and t.name not in w.skip
                  and (fan_out or not t.workflow_only)]
            recs += run_workload(w, ts, bed, scratch, rounds, a.warmup, log, a.quiet_wait)
    finally:
        bed.down()
        close_ctl_cpu()
    cmd = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    # The commit of the code copy that ran, not HEAD at the end (commits may land during a run).
    host = {**report.machine(), "ftl_tui_commit": code["commit"]}
    meta = {"command": cmd.strip(), "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "machine": host, "versions": versions, "warmup": a.warmup, "rounds": rounds,
            "load_start": " ".join(load_start), "load_end": " ".join(Path("/proc/loadavg").read_text().split()[:3])}
    if a.merge and out_json.exists():
        report.merge(out_md, out_json, meta, wls, recs)
    else:
        report.write(out_md, out_json, meta, wls, recs, [t.name for t in tools], rounds)
    log(f"bench: wrote {out_md} and {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
