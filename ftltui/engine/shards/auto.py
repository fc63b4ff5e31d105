"""How many shard workers by default: from the inventory's size and the controller's cores.

Measured in bench/RESULTS-shards.md (``python -m bench --shards``): below the threshold
one loop is as fast as several (a worker's start-up and the pipe cost more than the CPU
they spread), above it each worker takes a core's share of the per-host controller CPU.
"""

from __future__ import annotations

import os

HOSTS_PER_WORKER = 200  # a worker pays only with about this many hosts of its own (measured)


def auto_workers(hosts: int, cores: int | None = None) -> int:
    """1 (in-process) below ``2 * HOSTS_PER_WORKER`` hosts; else one per that many, at most one per core."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if hosts < 2 * HOSTS_PER_WORKER:
        return 1
    return max(1, min(cores, hosts // HOSTS_PER_WORKER))
