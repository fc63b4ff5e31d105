"""Run one tool invocation as a subprocess and measure it the same way for every tool.

Wall time is taken around the whole child (interpreter start-up included: that is what
an operator waits for). Memory is the peak, over time, of the summed RSS and PSS of the
child's whole process tree (ansible's forks and ssh clients count; the test bed's sshd
processes are not in the tree). PSS splits pages shared by forks, so it is the fairer
number for a forking controller; RSS is reported too. CPU is the child's rusage
(``os.wait4``), which includes every descendant it waited for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.harness.cgroup import CpuGroup

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    argv: list[str]
    rc: int
    wall: float
    peak_rss_mb: float
    peak_pss_mb: float
    max_single_rss_mb: float
    cpu_user: float
    cpu_sys: float
    stdout: str
    stderr: str
    timed_out: bool = False


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (children of every thread)."""
    out = [pid]
    i = 0
    while i < len(out):
        p = out[i]
        i += 1
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tids:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except OSError:
                continue
            out.extend(int(k) for k in kids)
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    """Resident and proportional set size of one process, in kB (0, 0 if gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    rss = pss = 0
    for line in text.splitlines()[1:4]:
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss = pss = 0
            for p in tree(self.pid):
                r, s = _rss_pss(p)
                rss += r
                pss += s
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.stop.wait(self.interval)


def run_measured(argv: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
                 timeout: float = 900.0, sample_every: float = 0.05, out_dir: Path,
                 cgroup: "CpuGroup | None" = None) -> Measured:
    """Run ``argv`` to completion; stdout/stderr go to files so pipes never block it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    so, se = out_dir / "stdout", out_dir / "stderr"
    with open(so, "wb") as fo, open(se, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                                start_new_session=True)
        if cgroup is not None:
            cgroup.add(proc.pid)  # before it forks anything: its whole tree is accounted
        sampler = _Sampler(proc.pid, sample_every)
        sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        sampler.join()
    # stragglers in the child's session (e.g. ssh ControlMaster processes) must not leak
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    return Measured(argv, proc.returncode, wall, sampler.peak_rss / 1024, sampler.peak_pss / 1024,
                    ru.ru_maxrss / 1024, ru.ru_utime, ru.ru_stime,
                    so.read_text(errors="replace"), se.read_text(errors="replace"), timed_out.is_set())
