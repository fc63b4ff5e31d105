"""The SSH test bed for the benchmarks (tests/testbed.py, imported by path) and per-tool inventories.

All "hosts" are sshd processes on loopback addresses of this machine, logging in as the
throwaway test-bed user, so a file a host writes is visible here: the harness checks end
state directly on the filesystem after the timed part.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.harness.cgroup import CpuGroup

REPO = Path(__file__).resolve().parents[2]


def _testbed_module() -> Any:
    path = REPO / "tests" / "testbed.py"
    spec = importlib.util.spec_from_file_location("ftl_bench_testbed", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


class Bed:
    """A started test bed plus the inventories each tool reads."""

    def __init__(self, root: Path, n_hosts: int) -> None:
        tb = _testbed_module()
        self.bed = tb.TestBed(root / "bed").up(n_hosts, jump=False)
        self.cpu = CpuGroup("hosts")
        for h in self.bed.hosts.values():
            self.cpu.add(h.pid)
        self.root = root
        self.user = self.bed.user
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, Path(pw.pw_dir)
        # FTL2 reads host keys only from $HOME/.ssh/known_hosts: give it a HOME of its own
        self.ftl2_home = root / "ftl2-home"
        (self.ftl2_home / ".ssh").mkdir(parents=True, exist_ok=True)
        shutil.copy(self.bed.known_hosts, self.ftl2_home / ".ssh" / "known_hosts")
        # its connection step takes the client key from ~/.ssh (asyncssh's default)
        shutil.copy(self.bed.key, self.ftl2_home / ".ssh" / "id_ed25519")
        os.chmod(self.ftl2_home / ".ssh" / "id_ed25519", 0o600)

    def names(self, n: int) -> list[str]:
        return [f"h{i:02d}" for i in range(1, n + 1)]

    def host(self, name: str) -> Any:
        return self.bed.hosts[name]

    def host_cpu(self) -> float:
        """CPU seconds used so far by the hosts (sshd's, sessions, gates, module processes).

        From the hosts' cpuacct cgroup when there is one; else each listener sshd's own and
        reaped children's time, which misses processes re-parented before they ended.
        """
        if self.cpu.available:
            return self.cpu.seconds()
        tck = os.sysconf("SC_CLK_TCK")
        total = 0
        for h in self.bed.hosts.values():
            try:
                f = Path(f"/proc/{h.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        return total / tck

    def down(self) -> None:
        self.bed.down()
        self.cpu.close()

    # -- run directories on the "hosts" (shared filesystem) --------------------------
    def make_run_dir(self, run_id: str) -> Path:
        """A fresh directory the test-bed user may write to, for one run's files."""
        base = self.home / "bench"
        base.mkdir(exist_ok=True)
        os.chown(base, self.uid, self.gid)
        d = base / run_id
        d.mkdir()
        os.chown(d, self.uid, self.gid)
        return d

    # -- inventories --------------------------------------------------------------------
    def ssh_vars(self, name: str) -> dict[str, Any]:
        h = self.host(name)
        return {"ansible_host": h.address, "ansible_port": h.port, "ansible_user": self.user,
                "ansible_ssh_private_key_file": str(self.bed.key),
                "ansible_python_interpreter": "/usr/bin/python3"}

    def write_inventory(self, path: Path, hosts: list[str], *, local: bool = False) -> Path:
        """Ansible-format YAML read by ansible-playbook and ftl-tui (group vars allowed)."""
        lines = ["all:", "  vars:"]
        if local:
            lines += ["    ansible_connection: local", "    ansible_python_interpreter: /usr/bin/python3",
                      "  hosts:", "    localhost: {}"]
        else:
            lines += [f"    ansible_ssh_common_args: '-o UserKnownHostsFile={self.bed.known_hosts}'",
                      "  hosts:"]
            lines += [f"    {n}: {json.dumps(self.ssh_vars(n))}" for n in hosts]
        path.write_text("\n".join(lines) + "\n")
        return path

    def write_ftl2_inventory(self, path: Path, hosts: list[str]) -> Path:
        """FTL2 ignores group-level connection vars: every var goes on the host."""
        lines = ["all:", "  hosts:"]
        for n in hosts:
            v = self.ssh_vars(n)
            v["ssh_private_key_file"] = v["ansible_ssh_private_key_file"]
            lines.append(f"    {n}: {json.dumps(v)}")
        path.write_text("\n".join(lines) + "\n")
        return path
