"""CPU accounting with a cgroup-v1 ``cpuacct`` group, when the machine has one.

A process and everything it forks stay in the group, even after they are re-parented
(an ssh ControlPersist master, a gate whose sshd session ended first), so the group's
``cpuacct.usage`` is the whole CPU cost of a controller run or of the hosts. Without
cgroups the harness falls back to rusage (``available`` is False).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path("/sys/fs/cgroup/cpuacct")


class CpuGroup:
    def __init__(self, name: str) -> None:
        self.path = ROOT / f"ftlbench-{name}-{os.getpid()}"
        try:
            self.path.mkdir(exist_ok=True)
            self.available = (self.path / "cpuacct.usage").exists()
        except OSError:
            self.available = False

    def add(self, pid: int) -> None:
        if self.available:
            try:
                (self.path / "cgroup.procs").write_text(str(pid))
            except OSError:
                pass  # the process already ended

    def seconds(self) -> float:
        if not self.available:
            return 0.0
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def close(self) -> None:
        """Move stragglers back to the root group and remove ours."""
        if not self.available:
            return
        try:
            for pid in (self.path / "cgroup.procs").read_text().split():
                try:
                    (ROOT / "cgroup.procs").write_text(pid)
                except OSError:
                    pass
            self.path.rmdir()
        except OSError:
            pass
