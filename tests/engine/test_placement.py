"""The executor's placement seam (ftltui.engine.placement) with a placement that runs its hosts
on a second, real Executor in the same loop: what the executor guarantees whatever a
placement does (merged results, one event stream, redaction and no_log censoring as a
second line, ``lost`` for hosts a dying placement leaves unfinished, cancel reaching it)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from ftltui.engine.events import Event, HostFinished, HostResult, HostStarted, OutputLine, RunFinished, RunStarted
from ftltui.engine.executor import Executor
from ftltui.engine.placement import LOST_KIND, Placement, PlacementLost, ShardRequest
from ftltui.inventory import load_inventory
from ftltui.inventory.model import Host
from ftltui.jobs.retry import HELD, decide


class SubExecutorPlacement:
    """Claims the named hosts and runs them on its own Executor (a real engine, no mock).

    ``die_after``: raise PlacementLost once that many of its hosts finished (a lost worker);
    ``leak``: forward output and results uncensored and unredacted (a careless placement)."""

    def __init__(self, inventory, names: set[str], *, die_after: int | None = None, leak: bool = False) -> None:
        self.inner = Executor(inventory)
        self.names = names
        self.die_after = die_after
        self.leak = leak
        self.requests: list[ShardRequest] = []
        self.cancels: list[tuple[str, bool]] = []

    def claims(self, host: Host) -> bool:
        return host.name in self.names

    async def run(self, request: ShardRequest, hosts: list[Host], emit) -> dict[str, HostResult]:
        self.requests.append(request)
        finished = 0
        lost = asyncio.Event()

        def forward(ev: Event) -> None:
            nonlocal finished
            if isinstance(ev, (RunStarted, RunFinished)) or lost.is_set():
                return
            emit(ev)
            if isinstance(ev, HostFinished):
                finished += 1
                if self.die_after is not None and finished >= self.die_after:
                    lost.set()

        # leak: run without no_log, so output and the real result reach emit
        task = asyncio.create_task(self.inner.run(hosts, request.module, request.args, check=request.check,
                                                  run_id=request.run_id, on_event=forward, keep_result=True,
                                                  no_log=request.no_log and not self.leak,
                                                  fail_fast=request.fail_fast, timeout=request.timeout))
        waiter = asyncio.create_task(lost.wait())
        try:
            done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self.inner.cancel(request.run_id)
            await asyncio.gather(task, return_exceptions=True)
            waiter.cancel()
            raise
        waiter.cancel()
        if task not in done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise PlacementLost("test placement worker lost")
        return dict(task.result().results)

    def cancel(self, run_id: str, *, fail_fast: bool = False) -> None:
        self.cancels.append((run_id, fail_fast))
        self.inner.cancel(run_id, fail_fast=fail_fast)

    async def close(self) -> None:
        await self.inner.close()


def test_the_test_placement_satisfies_the_protocol(local_inventory):
    assert isinstance(SubExecutorPlacement(load_inventory(local_inventory(1)), set()), Placement)


async def test_claimed_hosts_merge_into_one_result_and_one_event_stream(local_inventory):
    inv = load_inventory(local_inventory(4))
    p = SubExecutorPlacement(inv, {"l2", "l4"})
    ex = Executor(inv, placements=[p])
    seen: list[Event] = []
    res = await ex.run("all", "shell", {"cmd": "echo hi-{{ inventory_hostname }}"}, on_event=seen.append)
    await ex.close()
    assert list(res.results) == ["l1", "l2", "l3", "l4"]
    assert res.counts["changed"] == 4
    assert [h.name for h in p.requests[0].hosts] == ["l2", "l4"]
    assert [type(e) for e in seen].count(RunStarted) == 1 and isinstance(seen[-1], RunFinished)
    for h in ("l1", "l2", "l3", "l4"):
        mine = [e for e in seen if getattr(e, "host", None) == h]
        assert [type(e) for e in mine] == [HostStarted, OutputLine, HostFinished]
        assert mine[1].text == f"hi-{h}"


async def test_a_lost_placement_keeps_finished_hosts_and_fails_the_rest_as_uncertain(local_inventory, tmp_path):
    inv = load_inventory(local_inventory(4))
    p = SubExecutorPlacement(inv, {"l1", "l2", "l3"}, die_after=1)
    ex = Executor(inv, placements=[p], forks=1)  # placement hosts run one by one: one finishes, then the loss
    p.inner.forks = 1
    seen: list[Event] = []
    res = await ex.run("all", "shell", {"cmd": f"echo x >> {tmp_path}/{{{{ inventory_hostname }}}}"},
                       on_event=seen.append)
    await ex.close()
    assert res.results["l1"].status == "changed" and res.results["l4"].status == "changed"
    for h in ("l2", "l3"):
        hr = res.results[h]
        assert (hr.status, hr.error_kind) == ("failed", LOST_KIND)
        assert "test placement worker lost" in hr.msg
        assert decide(hr.status, hr.error_kind, is_idempotent=False) == HELD  # never rerun as not-started
    assert sum(isinstance(e, HostFinished) for e in seen) == 4  # one result per host


async def test_no_log_and_secrets_are_enforced_on_placement_events(local_inventory):
    inv = load_inventory(local_inventory(2))
    p = SubExecutorPlacement(inv, {"l2"}, leak=True)
    ex = Executor(inv, placements=[p], secrets=["hunter2"])
    seen: list[Event] = []
    res = await ex.run("all", "shell", {"cmd": "echo pw=hunter2"}, on_event=seen.append)
    assert "hunter2" not in repr(seen) and "hunter2" not in repr(res.to_dict())
    assert p.requests[0].secrets == ("hunter2",)
    seen.clear()
    res = await ex.run("all", "shell", {"cmd": "echo private"}, on_event=seen.append, no_log=True, keep_result=True)
    await ex.close()
    assert not [e for e in seen if isinstance(e, OutputLine)]
    assert "private" not in repr(seen)
    assert res.results["l2"].result["stdout"] == "private"  # keep_result: the caller's copy is real


async def test_cancel_and_fail_fast_reach_the_placement(local_inventory):
    inv = load_inventory(local_inventory(3))
    p = SubExecutorPlacement(inv, {"l2", "l3"})
    ex = Executor(inv, placements=[p])
    task = asyncio.create_task(ex.run("all", "shell", {"cmd": "sleep 30"}, run_id="r1"))
    while "r1" not in p.inner.active_runs:
        await asyncio.sleep(0.01)
    assert ex.cancel("r1")
    res = await task
    assert res.cancelled and res.counts["cancelled"] == 3
    assert ("r1", False) in p.cancels
    # fail_fast: l1 (in-process) fails at once, the placement's hosts stop with the fail_fast message
    res = await ex.run("all", "shell", {"cmd": "[ {{ inventory_hostname }} = l1 ] && exit 3; sleep 30"},
                       fail_fast=True, run_id="r2")
    await ex.close()
    assert res.results["l1"].status == "failed"
    assert ("r2", True) in p.cancels
    for h in ("l2", "l3"):
        assert res.results[h].status == "cancelled" and "fail_fast" in res.results[h].msg, res.results[h]
    assert replace(res.results["l2"]).error_kind == "cancelled"
