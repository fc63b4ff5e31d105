"""Shard workers run below their controller's CPU priority (issue 17).

The controller's one loop takes every worker's events and, in the console, answers key
presses; at equal priority it got a worker's share of the cores while 1,000 hosts streamed.
Real worker processes; their niceness is read from /proc.
"""

from __future__ import annotations

import os
from pathlib import Path

from ftltui.engine.executor import Executor
from ftltui.inventory import load_inventory


def _nice(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])  # field 19: nice


async def test_workers_are_niced_below_the_controller(local_inventory) -> None:
    ex = Executor(load_inventory(local_inventory(4)), workers=2, forks=4)
    try:
        res = await ex.run("all", "ping", {})
        assert res.counts["ok"] == 4
        pids = ex.shards.pids()
        assert len(pids) == 2
        mine = _nice(os.getpid())
        assert [_nice(p) for p in pids] == [min(19, mine + 10)] * 2
    finally:
        await ex.close()
