"""Host records on a full state disk (issue 17): each host's finish is its own journal
record now, so a full disk must not turn into one error per host, and the hosts' results
still reach clients and, once space is back, the job's record. Root only (a 512 KiB tmpfs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftltui.engine.events import HostFinished, HostResult
from ftltui.jobs import JobQueue
from ftltui.jobs.model import OK, Job, Outcome
from ftltui.jobs.retry import HostLedger
from ftltui.state import StateStore

from test_disk_full import _fill_all

HOSTS = [f"h{i:02d}" for i in range(20)]


async def test_a_full_disk_is_reported_once_and_every_finish_still_shown(small_disk: Path) -> None:
    state = small_disk / "state"
    store = StateStore.open(state)
    q = JobQueue(store, concurrency=1, storage_retry=0.05)
    events: list[Any] = []
    q.bus.subscribe(events.append)

    async def hosts(job: Job, ctx: Any) -> Outcome:
        ledger = HostLedger({}, False)
        ledger.start(HOSTS, 1)
        await ctx.save({"per_host": ledger.doc()})
        _fill_all(small_disk, store)
        for h in HOSTS:
            hr = HostResult(h, "ok", {})
            ledger.record(1, hr)
            ctx.host_done([(["per_host", h], ledger.entry(h))])
            ctx.output(HostFinished("r", host=h, result=hr))
        await ctx.saved()
        (small_disk / "filler").unlink()
        job.per_host = ledger.doc()  # the final transition stores the whole ledger
        return Outcome(OK)

    q.register_kind("hosts", hosts)
    await q.start()
    try:
        job = await q.wait((await q.enqueue("hosts", {})).id)
    finally:
        await q.stop()
        store.close()
    errors = [e for e in events if e.type == "QueueError"]
    assert len(errors) == 1 and "could not record host results" in errors[0].message, errors
    shown = [e.event.host for e in events if e.type == "JobOutput" and isinstance(e.event, HostFinished)]
    assert shown == HOSTS  # in order, none lost
    assert job.state == "succeeded"
    doc = StateStore.open(state, readonly=True).table("jobs").get(job.id)
    assert doc is not None and {h: e["state"] for h, e in doc["per_host"].items()} == {h: "done" for h in HOSTS}
