"""Whole-record saves go at a pace the event loop can afford (issue 17).

A save of a job's whole per-host ledger copies, redacts and encodes it on the loop (1,000
hosts: 10-20 ms). ``JobContext.save_soon`` (a playbook's ledger at each play start) rests
between saves for ``cost / SAVE_SHARE`` (at most ``SAVE_MAX_WAIT``); ``saved()`` ends the
rest, so a job's last fields are stored before its outcome. A host's finish does not wait
for it: that is one small record of its own (test_host_finish_durable.py). Real queue,
real store on disk.
"""

from __future__ import annotations

import asyncio

import pytest

from ftltui.jobs import Outcome, context
from ftltui.state import StateStore


async def test_saves_rest_between_commits_and_saved_stores_the_latest(queue, monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path) -> None:
    monkeypatch.setattr(context, "SAVE_SHARE", 1e-9)  # any save's cost -> the longest rest
    monkeypatch.setattr(context, "SAVE_MAX_WAIT", 600.0)
    seen: dict[str, list[int]] = {}

    async def paced(job, ctx) -> Outcome:
        saves: list[dict] = []
        tickets: list = []
        real = ctx.save
        first = asyncio.get_running_loop().create_future()

        def counting(fields):
            saves.append(fields)
            tickets.append(real(fields))
            if not first.done():
                first.set_result(None)
            return tickets[-1]

        ctx.save = counting
        ctx.save_soon(lambda: {"per_host": {"h1": {"state": "done"}}})
        await first  # the first save goes at once (no rest before it) ...
        await tickets[0]  # ... and commits
        seen["after_first"] = [len(s["per_host"]) for s in saves]
        ctx.save_soon(lambda: {"per_host": {"h1": {"state": "done"}, "h2": {"state": "done"}}})
        await asyncio.sleep(0.3)  # unpaced, this one would have committed by now
        seen["resting"] = [len(s["per_host"]) for s in saves]
        ctx.save_soon(lambda: {"per_host": {h: {"state": "done"} for h in ("h1", "h2", "h3")}})
        await ctx.saved()  # ends the rest: the latest ledger is saved, once
        seen["saved"] = [len(s["per_host"]) for s in saves]
        return Outcome("ok")

    queue.register_kind("paced", paced)
    job = await queue.wait((await queue.enqueue("paced", {})).id)
    assert job.state == "succeeded"
    assert seen == {"after_first": [1], "resting": [1], "saved": [1, 3]}
    doc = queue.store.table("jobs").get(job.id)
    assert doc is not None and sorted(doc["per_host"]) == ["h1", "h2", "h3"]
    await queue.stop()
    queue.store.close()
    reopened = StateStore.open(tmp_path / "state")  # and on disk
    try:
        doc = reopened.table("jobs").get(job.id)
        assert doc is not None and sorted(doc["per_host"]) == ["h1", "h2", "h3"]
    finally:
        reopened.close()


async def test_saved_waits_for_a_host_record_no_output_followed(queue, monkeypatch: pytest.MonkeyPatch) -> None:
    """``saved()`` promises every ``host_done`` record committed, not only the outputs
    (review hR2 #4): a host record with no output after it must still be durable when
    ``saved()`` returns. Journal writes are slowed so the record is still in flight."""
    import time

    from ftltui.state.journal import JournalWriter

    real = JournalWriter._write

    def slow_disk(self: JournalWriter, batch: list) -> None:
        time.sleep(0.3)
        real(self, batch)

    monkeypatch.setattr(JournalWriter, "_write", slow_disk)
    seen: dict[str, bool] = {}

    async def kind(job, ctx) -> Outcome:
        ticket = ctx.host_done([(["per_host", "h1"], {"state": "done"})])
        await ctx.saved()
        seen["durable"] = ticket.done and ticket.failed is None
        return Outcome("ok")

    queue.register_kind("host-record", kind)
    job = await queue.wait((await queue.enqueue("host-record", {})).id)
    assert job.state == "succeeded"
    assert seen == {"durable": True}


async def test_a_host_record_that_could_not_be_written_is_not_durable(queue) -> None:
    """When the store refuses the record (closed, read-only), ``host_done`` hands back a
    failed ticket, not one that reads as committed (review hR2 #2): a playbook batch's
    start awaits it, so its tasks never run on hosts the state does not know started."""
    from ftltui.errors import StateError

    seen: dict[str, object] = {}

    async def kind(job, ctx) -> Outcome:
        real = ctx.queue.store.transaction

        def refused():
            raise StateError("state store is closed")

        ctx.queue.store.transaction = refused
        try:
            ticket = ctx.host_done([(["per_host", "h1"], {"state": "done"})])
        finally:
            ctx.queue.store.transaction = real
        seen["failed"] = isinstance(ticket.failed, StateError)
        try:
            await ticket
            seen["await"] = "committed"
        except StateError:
            seen["await"] = "raised"
        return Outcome("ok")

    queue.register_kind("refused-record", kind)
    job = await queue.wait((await queue.enqueue("refused-record", {})).id)
    assert job.state == "succeeded"
    assert seen == {"failed": True, "await": "raised"}
