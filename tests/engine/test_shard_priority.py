"""Shard workers run below their controller's CPU priority (issue 17).

The controller's one loop takes every worker's events and, in the console, answers key
presses; at equal priority it got a worker's share of the cores while 1,000 hosts streamed.
Real worker processes; their niceness is read from /proc.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

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


def _group_nice(pid: int) -> int | None:
    """The session's autogroup nice ("/autogroup-123 nice 4"); None for a process in the root
    group (a session never made by setsid, e.g. under a container's init, as in CI): the
    kernel prints nothing for it."""
    text = Path(f"/proc/{pid}/autogroup").read_text()
    return int(text.split("nice")[1]) if "nice" in text else None


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists() or
                    Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() != "1",
                    reason="no autogroup scheduling on this kernel")
async def test_workers_sessions_are_niced_below_the_controllers(local_inventory) -> None:
    """With autogroup scheduling a worker, which leads a session of its own, is ranked by its
    session's nice, not its process nice (issue 17, bench/scale_notes.md session 9)."""
    from ftltui.engine.shards.config import ShardConfig

    mine = _group_nice(os.getpid())
    ex = Executor(load_inventory(local_inventory(4)), workers=2, forks=4)
    try:
        res = await ex.run("all", "ping", {})
        assert res.counts["ok"] == 4
        pids = ex.shards.pids()
        assert len(pids) == 2
        want = ShardConfig(1).group_nice
        assert want > 0
        for _ in range(100):  # set by the worker's own task just after its setup: wait for it
            if [_group_nice(p) for p in pids] == [want] * 2:
                break
            await asyncio.sleep(0.05)
        assert [_group_nice(p) for p in pids] == [want] * 2
        assert _group_nice(os.getpid()) == mine  # the controller's own session is left alone
    finally:
        await ex.close()


_NOT_A_LEADER = """\
import os, subprocess, sys
os.setsid()  # a session of our own, so the test's session is never touched
child = ("import asyncio, os; from ftltui.engine.shards.worker import _lower_group; "
         "assert os.getsid(0) != os.getpid(); asyncio.run(_lower_group(7))")
subprocess.run([sys.executable, "-c", child], check=True)  # same session, not its leader
print(open("/proc/self/autogroup").read().split("nice")[1].strip())
"""


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists() or
                    Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() != "1",
                    reason="no autogroup scheduling on this kernel")
def test_a_worker_that_does_not_lead_its_session_leaves_the_session_nice_alone() -> None:
    """Started in its caller's session, the worker would renice the caller's (the console's
    terminal session) to its group nice (hV3 #5). The caller here leads a throwaway session
    of its own and reads its nice after the child tried."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _NOT_A_LEADER], check=True, capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["0"], out.stdout + out.stderr


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists() or
                    Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() != "1",
                    reason="no autogroup scheduling on this kernel")
async def test_workers_yield_more_while_the_operator_presses_keys(local_inventory) -> None:
    """Executor.set_interactive: the workers' sessions go to input_group_nice while keys are
    pressed in the console, and back to group_nice after (issue 17, key latency)."""
    from ftltui.engine.shards.config import ShardConfig

    cfg = ShardConfig(1)
    assert cfg.input_group_nice > cfg.group_nice > 0
    ex = Executor(load_inventory(local_inventory(4)), workers=2, forks=4)
    try:
        assert (await ex.run("all", "ping", {})).counts["ok"] == 4
        pids = ex.shards.pids()
        assert len(pids) == 2

        async def settles_at(nice: int) -> None:
            for _ in range(200):  # the kernel refuses a second change within 100 ms: the worker retries
                if [_group_nice(p) for p in pids] == [nice] * 2:
                    return
                await asyncio.sleep(0.05)
            assert [_group_nice(p) for p in pids] == [nice] * 2

        await settles_at(cfg.group_nice)
        ex.set_interactive(True)
        await settles_at(cfg.input_group_nice)
        assert (await ex.run("all", "ping", {})).counts["ok"] == 4  # still runs, at the lower priority
        ex.set_interactive(False)
        await settles_at(cfg.group_nice)
    finally:
        await ex.close()
