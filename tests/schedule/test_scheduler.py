"""The Scheduler with a fake clock and a real state store: firing, misfires, no overlap.

The submit callback here records what it was asked to queue; the queue itself is in
test_submit.py. Times: the clock starts at 2027-01-15 08:00:00 UTC (conftest).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ftltui.errors import FtlError
from ftltui.schedule.model import Schedule, ScheduleBook
from ftltui.schedule.scheduler import Firing, Scheduler
from ftltui.state import StateStore

T0 = 1_800_000_000.0  # 08:00:00 UTC
RUN = ["run", "localhost", "-m", "ping"]


class Recorder:
    """A submit callback: each call is a new job id; ``active`` says which still run."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.active: set[int] = set()
        self.fail: str | None = None

    async def __call__(self, sched: Schedule) -> int:
        if self.fail:
            raise FtlError(self.fail)
        self.calls.append(sched.id)
        job_id = 100 + len(self.calls)
        self.active.add(job_id)
        return job_id


async def until(cond, what: str) -> None:
    """Wait for the scheduler task (its store writes run in a thread); generous, not a timing check."""
    for _ in range(2000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def scheduler(book: ScheduleBook, clock, rec: Recorder, **kw) -> Scheduler:
    return Scheduler(book, rec, job_active=lambda j: j in rec.active, clock=clock, **kw)


async def test_fires_when_due_and_once(book, clock) -> None:
    rec = Recorder()
    s = book.add("* * * * *", RUN, tz="UTC")
    sch = scheduler(book, clock, rec)
    await clock.set(T0 + 30)
    assert await sch.tick() == [] and rec.calls == []
    await clock.set(T0 + 60)
    assert await sch.tick() == [Firing(s.id, "fired", T0 + 60, 101, "")]
    assert await sch.tick() == []  # same minute: not again
    got = book.get(s.id)
    assert (got.last_fired, got.last_job, got.anchor, got.last_error) == (T0 + 60, 101, T0 + 60, "")
    rec.active.clear()
    await clock.set(T0 + 125)  # 5 s late: on time
    assert [f.action for f in await sch.tick()] == ["fired"]
    assert rec.calls == [s.id, s.id]


async def test_new_schedule_does_not_fire_for_the_past(book, clock) -> None:
    rec = Recorder()
    await clock.set(T0 + 3600 * 5 + 10)  # 13:00:10
    book.add("0 8 * * *", RUN)  # 08:00 today is past: next is tomorrow
    assert await scheduler(book, clock, rec).tick() == []
    assert book.all()[0].next_due() == T0 + 86400


async def test_misfire_run_once_after_downtime(book, clock) -> None:
    rec = Recorder()
    s = book.add("0 * * * *", RUN, misfire="run-once")
    await clock.set(T0 + 5 * 3600 + 1800)  # owner was down 09:00 .. 13:00: five missed
    firings = await scheduler(book, clock, rec).tick()
    assert firings == [Firing(s.id, "fired", clock.now(), 101, "once for 5 missed firing(s)")]
    assert rec.calls == [s.id]
    assert book.get(s.id).next_due() == T0 + 6 * 3600  # 14:00: nothing owed any more


async def test_misfire_skip_after_downtime(book, clock) -> None:
    rec = Recorder()
    s = book.add("0 * * * *", RUN, misfire="skip")
    await clock.set(T0 + 5 * 3600 + 1800)
    firings = await scheduler(book, clock, rec).tick()
    assert [(f.action, f.reason) for f in firings] == [("skipped", "5 missed firing(s) skipped (misfire policy skip)")]
    assert rec.calls == []
    got = book.get(s.id)
    assert (got.skipped, got.last_fired, got.next_due()) == (5, None, T0 + 6 * 3600)


async def test_misfire_skip_still_fires_the_on_time_one(book, clock) -> None:
    rec = Recorder()
    s = book.add("0 * * * *", RUN, misfire="skip")
    await clock.set(T0 + 5 * 3600 + 10)  # 13:00:10: 09-12 missed, 13:00 on time
    firings = await scheduler(book, clock, rec).tick()
    assert [f.action for f in firings] == ["fired"] and rec.calls == [s.id]
    assert book.get(s.id).skipped == 4


async def test_grace_decides_what_is_late(book, clock) -> None:
    rec = Recorder()
    book.add("0 * * * *", RUN, misfire="skip")
    await clock.set(T0 + 3600 + 20)  # 20 s late
    assert [f.action for f in await scheduler(book, clock, rec, grace=10).tick()] == ["skipped"]


async def test_no_overlap_skips_while_the_last_job_runs(book, clock) -> None:
    rec = Recorder()
    s = book.add("* * * * *", RUN)
    sch = scheduler(book, clock, rec)
    await clock.set(T0 + 60)
    await sch.tick()
    await clock.set(T0 + 120)  # job 101 still running
    assert [(f.action, f.reason) for f in await sch.tick()] == [("skipped", "job 101 still running (no overlap)")]
    assert rec.calls == [s.id] and book.get(s.id).skipped == 1
    rec.active.discard(101)
    await clock.set(T0 + 180)
    assert [f.job_id for f in await sch.tick()] == [102]


async def test_overlap_allowed(book, clock) -> None:
    rec = Recorder()
    book.add("* * * * *", RUN, overlap=True)
    sch = scheduler(book, clock, rec)
    for minute in (1, 2, 3):
        await clock.set(T0 + 60 * minute)
        await sch.tick()
    assert len(rec.calls) == 3 and rec.active == {101, 102, 103}


async def test_failed_submit_is_recorded_and_not_retried_until_next(book, clock) -> None:
    rec = Recorder()
    rec.fail = "pattern 'nowhere' matches no hosts"
    s = book.add("* * * * *", RUN)
    sch = scheduler(book, clock, rec)
    await clock.set(T0 + 60)
    assert [(f.action, f.reason) for f in await sch.tick()] == [("failed", "pattern 'nowhere' matches no hosts")]
    assert book.get(s.id).last_error == "pattern 'nowhere' matches no hosts"
    assert await sch.tick() == []
    rec.fail = None
    await clock.set(T0 + 120)
    assert [f.action for f in await sch.tick()] == ["fired"]
    assert book.get(s.id).last_error == ""


async def test_paused_does_not_fire_and_resume_does_not_catch_up(book, clock) -> None:
    rec = Recorder()
    s = book.add("0 * * * *", RUN, misfire="run-once")
    book.set_paused(s.id, True)
    sch = scheduler(book, clock, rec)
    await clock.set(T0 + 3 * 3600 + 30)
    assert await sch.tick() == []
    book.set_paused(s.id, False)
    assert await sch.tick() == [] and rec.calls == []  # 09, 10, 11 were paused, not missed
    await clock.set(T0 + 4 * 3600)
    assert [f.action for f in await sch.tick()] == ["fired"]


async def test_a_restarted_owner_neither_repeats_nor_forgets(tmp_path: Path, clock) -> None:
    rec = Recorder()
    store = StateStore.open(tmp_path / "st")
    book = ScheduleBook(store, clock=clock.now)
    s = book.add("*/10 * * * *", RUN)
    await clock.set(T0 + 600)
    await scheduler(book, clock, rec).tick()
    store.close()  # the owner stops ...
    store = StateStore.open(tmp_path / "st")  # ... and a new one starts in the same minute
    try:
        book = ScheduleBook(store, clock=clock.now)
        rec.active.clear()
        assert await scheduler(book, clock, rec).tick() == []
        await clock.set(T0 + 1200)
        assert [f.job_id for f in await scheduler(book, clock, rec).tick()] == [102]
        assert book.get(s.id).last_job == 102
    finally:
        store.close()


async def test_loop_sleeps_until_due_and_wakes_on_change(book, clock) -> None:
    rec = Recorder()
    seen: list[Firing] = []
    book.add("*/5 * * * *", RUN, overlap=True)
    sch = scheduler(book, clock, rec, on_firing=seen.append)
    task = asyncio.create_task(sch.run())
    try:
        await until(lambda: clock.sleeping_until(), "the loop sleeps")
        assert clock.sleeping_until() == [pytest.approx(T0 + 30)]  # nothing due for 5 min: MAX_SLEEP
        for t in (T0 + 30, T0 + 60, T0 + 90):  # it looks again every MAX_SLEEP; nothing due
            await clock.set(t)
            await until(lambda: clock.sleeping_until(), "the loop sleeps again")
        assert seen == []
        await clock.set(T0 + 300)
        await until(lambda: seen, "the firing at 08:05")
        assert [f.action for f in seen] == ["fired"]
        await until(lambda: clock.sleeping_until(), "the loop sleeps")
        book.add("* * * * * *", RUN, overlap=True)  # every second, added while it sleeps
        sch.wake()
        await until(lambda: min(clock.sleeping_until(), default=0) == pytest.approx(T0 + 301, abs=0.01),
                    "the loop sleeps until the new schedule's first second")
        await clock.set(T0 + 301)
        await until(lambda: len(rec.calls) == 2, "the firing at 08:05:01")
        await until(lambda: min(clock.sleeping_until(), default=0) == pytest.approx(T0 + 302, abs=0.01), "sleep")
        await clock.set(T0 + 302)
        await until(lambda: len(rec.calls) == 3, "the firing at 08:05:02")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_an_unusable_record_is_reported_once_and_the_others_fire(book, clock) -> None:
    rec = Recorder()
    bad = book.add("* * * * *", RUN)
    good = book.add("* * * * *", RUN)
    book.table.update(bad.id, {"cron": "* * * * * * * *"})  # hand-edited state, or a newer ftl-tui's syntax
    sch = scheduler(book, clock, rec)
    assert sch.next_wake() == T0 + 60
    await clock.set(T0 + 60)
    firings = await sch.tick()
    assert [(f.schedule_id, f.action) for f in firings] == [(bad.id, "failed"), (good.id, "fired")]
    assert "has 8 field(s)" in book.get(bad.id).last_error
    rec.active.clear()
    await clock.set(T0 + 120)
    assert [(f.schedule_id, f.action) for f in await sch.tick()] == [(good.id, "fired")]
