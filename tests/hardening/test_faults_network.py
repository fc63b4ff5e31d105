"""Network faults on the real jump bed: a link cut mid-run, a lost bastion, a slow host.

Topology (tests/testbed.py): h01 on loopback; bastion in its own netns; internal-1/-2
behind the bastion; deep behind bastion and internal-1. Each test restores the bed
(link up, sshd restarted, qdisc removed) in a ``finally``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from faults_helpers import Watch, executor, host_entry, link_down, netem_delay, netem_unavailable

pytestmark = [pytest.mark.ssh, pytest.mark.netns]

NAP = ["sh", "-c", "echo started; sleep {{ nap }}; echo done"]
FAST_GATE = {"gate_ping_interval": 0.5, "gate_hang_timeout": 2.0, "gate_hello_timeout": 3.0}


async def test_link_cut_mid_run_fails_that_host_only(jumpbed, tmp_path: Path) -> None:
    """deep's link goes down while it runs a long command behind two jump hosts."""
    hosts = {n: host_entry(jumpbed, n, nap=3) for n in ("h01", "bastion", "internal-1")}
    hosts["deep"] = host_entry(jumpbed, "deep", nap=120)
    ex = executor(tmp_path / "inv.json", hosts, **FAST_GATE)
    watch = Watch(set(hosts))
    try:
        task = asyncio.create_task(ex.run("all", "command", {"argv": NAP}, on_event=watch))
        await asyncio.wait_for(watch.all_started.wait(), 60)
        with link_down(f"{jumpbed.tag}-deep", f"{jumpbed.tag}c1"):
            # deep sleeps 120 s: only the hang watchdog can end it inside this bound
            res = await asyncio.wait_for(task, 30)
            deep = res.results["deep"]
            assert deep.status in ("unreachable", "failed"), deep.result
            assert deep.error_kind in ("unreachable", "gate_failed"), deep.result
            assert "deep" in deep.msg and ("stopped answering" in deep.msg or "lost" in deep.msg), deep.msg
            assert {h: r.status for h, r in res.results.items() if h != "deep"} == {
                "h01": "changed", "bastion": "changed", "internal-1": "changed"}
            # the link is still down: the next task on deep must fail in bounded time too
            again = await asyncio.wait_for(ex.run("deep", "ping", {}), 30)
            r = again.results["deep"]
            assert r.status in ("unreachable", "failed") and "deep" in r.msg, r.result
        # link back up: the host is usable again (internal-1's ARP entry for deep may need a
        # few seconds to leave the failed state: "No route to host" from the hop until then)
        for _ in range(20):
            healed = await asyncio.wait_for(ex.run("deep", "ping", {}), 30)
            if healed.results["deep"].status == "ok" or "No route to host" not in healed.results["deep"].msg:
                break
            await asyncio.sleep(0.5)
        assert healed.results["deep"].status == "ok", healed.results["deep"].result
    finally:
        await ex.close()


async def test_jump_host_lost_fails_hosts_behind_it_naming_the_bastion(jumpbed, tmp_path: Path) -> None:
    hosts = {n: host_entry(jumpbed, n, nap=4) for n in ("h01", "bastion", "internal-1", "internal-2")}
    ex = executor(tmp_path / "inv.json", hosts, **FAST_GATE)
    behind = {"internal-1", "internal-2"}
    watch = Watch({"h01", *behind})
    try:
        task = asyncio.create_task(ex.run("h01,internal-1,internal-2", "command", {"argv": NAP}, on_event=watch))
        await asyncio.wait_for(watch.all_started.wait(), 60)
        try:
            jumpbed.kill("bastion")
            res = await asyncio.wait_for(task, 30)
        finally:
            jumpbed.start("bastion")
        assert res.results["h01"].status == "changed", res.results["h01"].result  # direct host unaffected
        for name in behind:
            r = res.results[name]
            # the command was running when the bastion went: it may have run (issue 12 #1)
            assert r.status == "unreachable" and r.error_kind == "connection_lost", r.result
            assert name in r.msg and "bastion" in r.msg, r.msg  # names the host and the lost hop
        # the bastion is back: the same executor (same pool) recovers on the next run
        again = await asyncio.wait_for(ex.run("internal-1,internal-2", "ping", {}), 30)
        assert {h: r.status for h, r in again.results.items()} == {"internal-1": "ok", "internal-2": "ok"}, \
            {h: r.result for h, r in again.results.items()}
    finally:
        await ex.close()


async def test_slow_host_beside_fast_ones_and_timeout_fails_only_the_slow_one(sshbed, tmp_path: Path) -> None:
    """The sleeping-module form of a slow host (works everywhere; netem variant below)."""
    names = ["h01", "h02", "h03", "h04", "h05"]
    hosts = {n: host_entry(sshbed, n, nap=0) for n in names}
    hosts["h03"]["nap"] = 2
    ex = executor(tmp_path / "inv.json", hosts)
    try:
        watch = Watch(set())
        res = await asyncio.wait_for(ex.run("all", "command", {"argv": NAP}, on_event=watch), 60)
        assert {r.status for r in res.results.values()} == {"changed"}, res.counts
        assert watch.finished[-1] == "h03" and sorted(watch.finished[:-1]) == ["h01", "h02", "h04", "h05"]
        ex.inventory.hosts["h03"].vars["nap"] = 30  # now far beyond the timeout: only h03 fails
        watch = Watch(set())
        res = await asyncio.wait_for(ex.run("all", "command", {"argv": NAP}, timeout=2, on_event=watch), 60)
    finally:
        await ex.close()
    slow = res.results["h03"]
    assert slow.status == "failed" and slow.error_kind == "timeout", slow.result
    assert slow.msg == "h03: timed out after 2s"
    assert {h: r.status for h, r in res.results.items() if h != "h03"} == dict.fromkeys(
        ["h01", "h02", "h04", "h05"], "changed")
    assert watch.finished[-1] == "h03"


async def test_slow_link_netem_and_timeout_fails_only_the_slow_host(jumpbed, tmp_path: Path) -> None:
    """300 ms of netem each way on the bastion's link: a fresh connection needs seconds."""
    reason = netem_unavailable()
    if reason:
        pytest.skip(reason)
    hosts = {n: host_entry(jumpbed, n) for n in ("h01", "bastion")}
    t = jumpbed.tag
    with netem_delay(None, f"{t}a0", "300ms"), netem_delay(f"{t}-bastion", f"{t}a1", "300ms"):
        ex = executor(tmp_path / "inv.json", hosts)
        watch = Watch(set())
        try:
            res = await asyncio.wait_for(ex.run("all", "command", {"argv": ["echo", "hi"]}, on_event=watch), 60)
        finally:
            await ex.close()
        assert {h: r.status for h, r in res.results.items()} == {"h01": "changed", "bastion": "changed"}
        assert watch.finished == ["h01", "bastion"]
        ex = executor(tmp_path / "inv2.json", hosts)
        try:
            res = await asyncio.wait_for(ex.run("all", "ping", {}, timeout=1.5), 60)
        finally:
            await ex.close()
    assert res.results["h01"].status == "ok", res.results["h01"].result
    slow = res.results["bastion"]
    assert slow.status == "failed" and slow.error_kind == "timeout", slow.result
    assert "bastion: timed out after 1.5s" in slow.msg
