"""Run every workload for every tool in alternation (A B C A B C ...), with a warm-up round."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.bed import Bed
from bench.harness.procs import run_measured
from bench.harness.tools import Tool
from bench.harness.workloads import Workload, check_files

_ids = itertools.count(1)


@dataclass
class RunRecord:
    tool: str
    workload: str
    round: int
    warmup: bool
    ok: bool
    wall: float
    peak_rss_mb: float
    peak_pss_mb: float
    max_single_rss_mb: float
    cpu: float
    loadavg_before: float
    problems: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _kill_control_masters(cp_dir: Path) -> None:
    """ansible's ControlPersist masters daemonize out of the run's session: end ours by PID."""
    if not cp_dir.is_dir():
        return
    r = subprocess.run(["pgrep", "-f", str(cp_dir)], capture_output=True, text=True)
    for pid in r.stdout.split():
        try:
            subprocess.run(["kill", pid], capture_output=True)
        except OSError:
            pass


def run_one(tool: Tool, w: Workload, bed: Bed, scratch: Path, rnd: int, warmup: bool) -> RunRecord:
    run_id = f"r{next(_ids):04d}-{tool.name}-{w.key}"
    work = scratch / "runs" / run_id
    work.mkdir(parents=True)
    if w.local:
        run_dir = work / "files"
        run_dir.mkdir()
    else:
        run_dir = bed.make_run_dir(run_id)
    prep = tool.prepare(w, bed, run_dir, work)
    load = _loadavg()
    m = run_measured(prep.argv, env=prep.env, cwd=prep.cwd, out_dir=work)
    _kill_control_masters(work / "cp")
    hosts = bed.names(w.hosts)
    problems, extra = tool.verdict(w, m, hosts)
    if m.timed_out:
        problems.insert(0, "timed out")
    if tool.name != "floor":
        problems += check_files(w.expect(run_dir, hosts))
    rec = RunRecord(tool.name, w.key, rnd, warmup, not problems, m.wall, m.peak_rss_mb, m.peak_pss_mb,
                    m.max_single_rss_mb, m.cpu_user + m.cpu_sys, load, problems[:5], extra)
    shutil.rmtree(run_dir, ignore_errors=True)
    if rec.ok:
        shutil.rmtree(work, ignore_errors=True)  # keep a failed run's files for a look
    return rec


def run_workload(w: Workload, tools: list[Tool], bed: Bed, scratch: Path, rounds: int, warmup: int,
                 log=print) -> list[RunRecord]:
    out: list[RunRecord] = []
    for rnd in range(warmup + rounds):
        is_warm = rnd < warmup
        for tool in tools:
            rec = run_one(tool, w, bed, scratch, rnd - warmup, is_warm)
            out.append(rec)
            tag = "warm-up" if is_warm else f"round {rnd - warmup + 1}/{rounds}"
            status = "ok" if rec.ok else "WRONG: " + "; ".join(rec.problems)[:300]
            log(f"bench: {w.key:10} {tool.name:8} {tag:12} {rec.wall:7.2f}s  pss {rec.peak_pss_mb:6.0f} MB  {status}")
    return out


def records_json(recs: list[RunRecord]) -> list[dict[str, Any]]:
    return [asdict(r) for r in recs]


