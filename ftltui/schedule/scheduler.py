"""The scheduler an owner process runs: fires due schedules through a submit callback.

No Textual, no queue import: the owner (``ftl-tui daemon``, a console, a CLI command
that owns the state directory) gives it

* ``submit(schedule) -> job id``: queues the job (:func:`ftltui.schedule.command.queue_submitter`);
* ``job_active(job id) -> bool``: is that job still queued or running (for no-overlap);
* a clock (``now()`` epoch seconds, ``async sleep(s)``), injectable for tests.

Rules, per schedule, each time it looks (:meth:`Scheduler.tick`):

* Due firings are the cron times after the schedule's ``anchor`` up to now. One that is
  at most ``grace`` seconds old is on time; older ones were missed (the owner was
  down, the machine asleep, the loop stalled).
* Missed firings follow the schedule's misfire policy: ``run-once`` fires once now for
  all of them (the job's schedule record says how many); ``skip`` records them as
  skipped and fires only an on-time one. Never more than one job per look.
* No overlap (the default): a firing while the schedule's previous job is still active
  is skipped and recorded (``last_skip``, ``skipped``), not queued behind it.
* A submit that fails (bad playbook, pattern matching nothing) is recorded in
  ``last_error`` and not retried until the next firing; nothing is queued. A pattern
  matching nothing (:class:`NoHostsMatched`) of a schedule added with
  ``--allow-no-hosts`` is recorded as a skip instead (``last_skip``, ``skipped``): the
  operator said so, and it still says the firing ran nothing.

After each look the anchor moves to now, durably, so a restart neither repeats a
firing nor forgets one: what happened in between is a misfire.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol

from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError
from ftltui.schedule.model import NoHostsMatched, Schedule, ScheduleBook, ScheduleError

GRACE = 60.0  # seconds a firing may be late and still count as on time (Quartz's default)
MAX_SLEEP = 30.0  # look again at least this often: wall-clock jumps, edits by others
MAX_COUNTED = 1000  # missed firings counted one by one; beyond, "more than"
ALLOWED = "added with --allow-no-hosts"  # a skip's note: no host matched, and that was intended

Submit = Callable[[Schedule], Awaitable[int]]
JobActive = Callable[[int], bool]


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time (cron times are wall-clock times) and asyncio's sleep."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Firing:
    """What one look did for one schedule: ``fired``, ``skipped`` or ``failed``."""

    schedule_id: int
    action: str
    at: float
    job_id: int | None = None
    reason: str = ""


def store_job_active(state: Any) -> JobActive:
    """``job_active`` reading the jobs table of the owner's state store."""
    from ftltui.jobs.model import ACTIVE

    table = state.table("jobs")

    def active(job_id: int) -> bool:
        doc = table.get(job_id)
        return doc is not None and doc.get("state") in ACTIVE

    return active


def _due_times(sched: Schedule, now: float) -> list[float]:
    """Cron times in (anchor, now], at most MAX_COUNTED + 1 of them."""
    timing = sched.timing()
    out: list[float] = []
    t = sched.anchor
    while len(out) <= MAX_COUNTED:
        t = timing.next_after(t).timestamp()
        if t > now:
            break
        out.append(t)
    return out


class Scheduler:
    def __init__(self, book: ScheduleBook, submit: Submit, *, job_active: JobActive | None = None,
                 clock: Clock | None = None, grace: float = GRACE,
                 on_firing: Callable[[Firing], None] | None = None) -> None:
        self.book = book
        self.submit = submit
        self.job_active = job_active or store_job_active(book.state)
        self.clock: Clock = clock or SystemClock()
        self.grace = grace
        self.on_firing = on_firing
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A schedule was added, changed or removed: look again now."""
        self._wake.set()

    def next_wake(self) -> float | None:
        """The earliest due time of an active schedule (epoch seconds), None if none."""
        dues = []
        for s in self.book.all():
            if not s.paused:
                try:
                    dues.append(s.next_due())
                except FtlError:
                    continue  # unusable record: tick() reports it
        return min(dues, default=None)

    async def tick(self) -> list[Firing]:
        """Fire (or skip) every schedule that is due now; what happened, per schedule."""
        done: list[Firing] = []
        for sched in self.book.all():
            if sched.paused:
                continue
            try:
                firing = await self._look(sched, self.clock.now())
            except FtlError as exc:  # a record this version cannot use (edited by hand, newer syntax)
                if sched.last_error == exc.message:
                    continue  # said once is enough
                await self._record(sched, last_error=exc.message)
                firing = Firing(sched.id, "failed", self.clock.now(), reason=exc.message)
            if firing is not None:
                done.append(firing)
                if self.on_firing is not None:
                    self.on_firing(firing)
        return done

    async def _look(self, sched: Schedule, now: float) -> Firing | None:
        dues = _due_times(sched, now)
        if not dues:
            return None
        late = [d for d in dues if d <= now - self.grace]
        on_time = len(dues) > len(late)
        missed = (f"more than {MAX_COUNTED}" if len(dues) > MAX_COUNTED else str(len(late))) + " missed firing(s)"
        if late and sched.misfire == "skip" and not on_time:
            return await self._skip(sched, now, f"{missed} skipped (misfire policy skip)", len(late))
        note = f"once for {missed}" if late and sched.misfire == "run-once" else ""
        if late and sched.misfire == "skip":
            await self._record(sched, skipped=sched.skipped + len(late), last_skip=f"{missed} skipped")
        if not sched.overlap and sched.last_job is not None and self.job_active(sched.last_job):
            return await self._skip(sched, now, f"job {sched.last_job} still running (no overlap)")
        try:
            job_id = await self.submit(sched)
        except NoHostsMatched as exc:
            said = safe_text(str(exc))  # with the workflow step's file:line:col
            if not sched.allow_no_hosts:
                await self._record(sched, anchor=now, last_error=said)
                return Firing(sched.id, "failed", now, reason=said)
            await self._record(sched, last_error="")
            return await self._skip(sched, now, f"{said} ({ALLOWED})")
        except Exception as exc:  # noqa: BLE001 - one bad schedule must not stop the others
            reason = safe_text(str(exc) or type(exc).__name__)
            await self._record(sched, anchor=now, last_error=reason)
            return Firing(sched.id, "failed", now, reason=reason)
        await self._record(sched, anchor=now, last_fired=now, last_job=job_id, last_error="")
        return Firing(sched.id, "fired", now, job_id, note)

    async def _skip(self, sched: Schedule, now: float, reason: str, count: int = 1) -> Firing:
        await self._record(sched, anchor=now, skipped=sched.skipped + count, last_skip=reason)
        return Firing(sched.id, "skipped", now, reason=reason)

    async def _record(self, sched: Schedule, **changes: Any) -> None:
        try:
            await asyncio.to_thread(self.book.update, sched, **changes)  # durable: an fsync
        except ScheduleError:
            pass  # removed while we looked: nothing to record

    async def run(self) -> None:
        """Look, sleep until the next due time (or a :meth:`wake`), forever."""
        while True:
            self._wake.clear()
            await self.tick()
            nxt = self.next_wake()
            delay = MAX_SLEEP if nxt is None else min(MAX_SLEEP, max(0.0, nxt - self.clock.now()))
            await self._sleep_or_wake(delay)

    async def _sleep_or_wake(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self.clock.sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
