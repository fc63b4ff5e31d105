"""The bench's bed of up to thousands of hosts: tests/testbed_many.py (several sshd, 16 addresses each).

Same interface as ``bench.harness.bed.Bed`` (names, host, host_cpu, make_run_dir,
write_inventory), so the runner and the floor/ftl-tui tools take it unchanged.
"""

from __future__ import annotations

import pwd
import sys
from pathlib import Path
from typing import Any

from bench.harness.bed import REPO, Bed
from bench.harness.cgroup import CpuGroup


def _many_module() -> Any:
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)  # testbed_many imports testbed as a top-level module
    import testbed_many  # type: ignore[import-not-found]

    return testbed_many


class ScaleBed(Bed):
    """``n_hosts`` endpoints on ``ceil(n / 16)`` sshd; the hosts' CPU in one cgroup."""

    def __init__(self, root: Path, n_hosts: int) -> None:  # noqa: D107 - no FTL2 home here
        mod = _many_module()
        self.bed = mod.ManyTestBed(root / "bed").up(n_hosts)
        self.limits: dict[str, str] = dict(self.bed.limits)
        self.cpu = CpuGroup("hosts")
        for pid in {h.pid for h in self.bed.hosts.values()}:
            self.cpu.add(pid)  # each sshd once: its sessions, gates and modules join with it
        self.root = root
        self.user = self.bed.user
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, Path(pw.pw_dir)

    @property
    def n_sshd(self) -> int:
        return len(self.bed.sshds)
