"""Run every workload for every tool in alternation (A B C A B C ...), with a warm-up round."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.bed import Bed
from bench.harness.cgroup import CpuGroup
from bench.harness.procs import run_measured
from bench.harness.tools import Tool
from bench.harness.workloads import Workload, check_files

_ids = itertools.count(1)
_ctl: CpuGroup | None = None


def ctl_cpu() -> CpuGroup:
    """The cgroup every measured run's process tree joins (made on first use)."""
    global _ctl
    if _ctl is None:
        _ctl = CpuGroup("controller")
    return _ctl


def close_ctl_cpu() -> None:
    global _ctl
    if _ctl is not None:
        _ctl.close()
        _ctl = None


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
    host_cpu: float
    others_cpu: float | None  # CPU seconds used by unrelated processes during the run (noise)
    loadavg_before: float
    problems: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores) since boot."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(f) - f[3] - f[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait


def wait_quiet(max_wait: float, log=print, idle_goal: float = 0.75) -> float:
    """Wait (up to ``max_wait`` s) for a 0.5 s window with >= ``idle_goal`` of the CPUs idle.

    Other work on the machine (other users' test suites) inflates every figure; the
    benchmark cannot stop it, but it can avoid starting a round in the middle of it.
    Returns the idle fraction of the last window.
    """
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + max_wait
    while True:
        b0 = machine_busy()
        time.sleep(0.5)
        idle = 1 - (machine_busy() - b0) / (0.5 * cores)
        if idle >= idle_goal or time.monotonic() >= deadline:
            if idle < idle_goal:
                log(f"bench: machine still busy ({100 * (1 - idle):.0f}% CPU used by others); going on")
            return idle


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
    run_id = f"r{next(_ids):04d}-{tool.name.replace(' ', '_')}-{w.key}"
    work = scratch / "runs" / run_id
    work.mkdir(parents=True)
    if w.local:
        run_dir = work / "files"
        run_dir.mkdir()
    else:
        run_dir = bed.make_run_dir(run_id)
    prep = tool.prepare(w, bed, run_dir, work)
    load = _loadavg()
    ctl = ctl_cpu()
    cpu0, ctl0, busy0 = bed.host_cpu(), ctl.seconds(), machine_busy()
    m = run_measured(prep.argv, env=prep.env, cwd=prep.cwd, out_dir=work, cgroup=ctl)
    _kill_control_masters(work / "cp")
    time.sleep(0.3)  # let the hosts' sshd sessions end and be reaped before reading their CPU
    host_cpu = bed.host_cpu() - cpu0
    busy = machine_busy() - busy0  # includes the 0.3 s pause above: only others run then
    cpu = ctl.seconds() - ctl0 if ctl.available else m.cpu_user + m.cpu_sys
    others = max(0.0, busy - cpu - host_cpu) if ctl.available else None
    hosts = bed.names(w.hosts)
    problems, extra = tool.verdict(w, m, hosts)
    if m.timed_out:
        problems.insert(0, "timed out")
    if tool.name != "floor":
        problems += check_files(w.expect(run_dir, hosts))
    rec = RunRecord(tool.name, w.key, rnd, warmup, not problems, m.wall, m.peak_rss_mb, m.peak_pss_mb,
                    m.max_single_rss_mb, cpu, host_cpu, others, load, problems[:5], extra)
    shutil.rmtree(run_dir, ignore_errors=True)
    if rec.ok:
        shutil.rmtree(work, ignore_errors=True)  # keep a failed run's files for a look
    return rec


def run_workload(w: Workload, tools: list[Tool], bed: Bed, scratch: Path, rounds: int, warmup: int,
                 log=print, quiet_wait: float = 30.0) -> list[RunRecord]:
    out: list[RunRecord] = []
    for rnd in range(warmup + rounds):
        is_warm = rnd < warmup
        if quiet_wait > 0:
            wait_quiet(quiet_wait, log)
        for tool in tools:
            rec = run_one(tool, w, bed, scratch, rnd - warmup, is_warm)
            out.append(rec)
            tag = "warm-up" if is_warm else f"round {rnd - warmup + 1}/{rounds}"
            status = "ok" if rec.ok else "WRONG: " + "; ".join(rec.problems)[:300]
            noise = "" if rec.others_cpu is None else f"  others {rec.others_cpu:5.2f} cpu-s"
            log(f"bench: {w.key:10} {tool.name:8} {tag:12} {rec.wall:7.2f}s  pss {rec.peak_pss_mb:5.0f} MB  "
                f"cpu {rec.cpu:5.2f}+{rec.host_cpu:5.2f}{noise}  {status}")
    return out


def records_json(recs: list[RunRecord]) -> list[dict[str, Any]]:
    return [asdict(r) for r in recs]


