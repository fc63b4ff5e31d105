"""Fixtures for the hardening suite: throwaway inventories, a CLI runner with peak RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Runs a command, keeps only the last bytes of its stdout (the output may be 1 GB) and
# reports the peak RSS of the command (RUSAGE_CHILDREN: the wrapper itself is not counted).
_RSS_WRAPPER = r"""
import json, resource, subprocess, sys
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
import threading
err = []
t = threading.Thread(target=lambda: err.append(p.stderr.read()[-65536:]), daemon=True)
t.start()
limit = int(sys.argv[1])
keep, total = bytearray(), 0
while True:
    chunk = p.stdout.read(1 << 16)
    if not chunk:
        break
    total += len(chunk)
    keep += chunk
    if len(keep) > 2 * limit:
        del keep[:-limit]
keep = bytes(keep[-limit:])
rc = p.wait()
t.join()
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.buffer.write(json.dumps({"rc": rc, "peak_kb": peak_kb, "stdout_bytes": total,
    "stderr": err[0].decode(errors="replace")}).encode() + b"\n" + keep)
"""


@dataclass
class CliRun:
    rc: int
    peak_mb: float
    stdout_bytes: int
    tail: str  # the last bytes of stdout
    stderr: str


def run_cli_measured(argv: list[str], *, keep: int = 32 << 20, env: dict[str, str] | None = None,
                     timeout: float = 300) -> CliRun:
    """``ftl-tui ARGV`` in a subprocess; its peak RSS and the tail of its stdout."""
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, str(keep), sys.executable, "-m", "ftltui", *argv],
                          capture_output=True, timeout=timeout, env=full_env)
    head, _, tail = proc.stdout.partition(b"\n")
    info = json.loads(head)
    return CliRun(info["rc"], info["peak_kb"] / 1024, info["stdout_bytes"], tail.decode(errors="replace"),
                  info["stderr"])


@pytest.fixture
def local_inv(tmp_path: Path):
    """An inventory of ``n`` in-process hosts (``l1``..), with extra vars."""

    def make(n: int = 1, host_vars: dict[str, Any] | None = None, all_vars: dict[str, Any] | None = None) -> Path:
        hosts = {f"l{i}": dict(host_vars or {}) for i in range(1, n + 1)}
        inv = {"all": {"vars": {"ansible_connection": "local", **(all_vars or {})}, "hosts": hosts}}
        path = tmp_path / "inv.yml"
        path.write_text(json.dumps(inv))
        return path

    return make


def bed_inventory(path: Path, bed: Any, names: list[str], extra: dict[str, dict[str, Any]] | None = None,
                  all_vars: dict[str, Any] | None = None) -> Path:
    """An inventory for hosts of a test bed (their own connection vars + ``extra``)."""
    hosts = {}
    for n in names:
        hosts[n] = dict(bed.host_vars(n), **(extra or {}).get(n, {}))
    vars_ = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}", **(all_vars or {})}
    path.write_text(json.dumps({"all": {"vars": vars_, "hosts": hosts}}))
    return path
