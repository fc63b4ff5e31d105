"""The gate widens its stdin pipe to 1 MiB (issue 17: w4, a 20 MB copy to 10 hosts).

sshd writes an upload into the gate's stdin pipe; at Linux's default 64 KiB every 256 KiB
chunk frame took several reads and wake-ups of sshd and the gate. Measured on the bed
(10 hosts, 20 MB each): hosts' CPU 2.2-2.5 s -> 1.4 s per run. The bed's hosts are
processes on this machine, so the test looks at the live gate's pipe through /proc.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ftltui.engine.executor import Executor
from ftltui.gate.server import PIPE_SIZE
from ftltui.inventory import load_inventory

pytestmark = pytest.mark.ssh

F_GETPIPE_SZ = 1032


def _pipe_sizes(pid: int) -> dict[int, int]:
    """fd -> capacity of each pipe the process holds."""
    out: dict[int, int] = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        path = f"/proc/{pid}/fd/{fd}"
        try:
            if not os.readlink(path).startswith("pipe:"):
                continue
            flags = open(f"/proc/{pid}/fdinfo/{fd}").read().split("flags:")[1].split()[0]
            mode = os.O_WRONLY if int(flags, 8) & os.O_WRONLY else os.O_RDONLY
            own = os.open(path, mode | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            out[int(fd)] = fcntl.fcntl(own, F_GETPIPE_SZ)
        finally:
            os.close(own)
    return out


async def test_the_gate_reads_uploads_from_a_1_mib_pipe(sshbed: Any, tmp_path: Path) -> None:
    name = sorted(n for n in sshbed.hosts if n.startswith("h"))[0]
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {
        "vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={sshbed.known_hosts}"},
        "hosts": {name: sshbed.host_vars(name)}}}))
    inventory = load_inventory([str(inv)])
    ex = Executor(inventory, forks=5)
    try:
        host = inventory.hosts[name]
        gate: Any = await ex.runner_for(host).gate(host)  # type: ignore[attr-defined]
        sizes = _pipe_sizes(gate.pid)
        # the frames' read end (the gate dup'd it away from fd 0): widened; the others as they were
        assert PIPE_SIZE in sizes.values(), sizes
        assert sorted(sizes.values())[0] < PIPE_SIZE, sizes  # its stdout pipe: the default
        src = tmp_path / "blob"
        src.write_bytes(os.urandom(3 << 20))
        up = await gate.put(str(src))  # an upload through the widened pipe arrives whole
        assert up["size"] == 3 << 20
        assert Path(up["path"]).read_bytes() == src.read_bytes()  # the bed's hosts share this filesystem
    finally:
        await ex.close()
