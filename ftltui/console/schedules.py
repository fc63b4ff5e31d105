"""The session's schedules: typed rows for a Schedules view, guarded edits, and the
scheduler loop an owner runs.

A console that owns its state directory fires the directory's schedules exactly as
``ftl-tui daemon`` does (both call :func:`fire_schedules`); a read-only one, or one
that fell back to a private temporary state dir, fires nothing. Edits (add, remove,
pause, resume) go through the session's guard, so a read-only console refuses them
here and not only in its keys; each edit wakes the loop and is announced to
:meth:`ScheduleDesk.subscribe`-rs as a :class:`SchedulesChanged`, as is each firing.

Times are computed with the session's clock (a console under test has a fixed one,
so "next" is stable in snapshots) and shown in each schedule's own zone.
Plain Python: no textual.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ftltui.engine.sanitize import safe_text
from ftltui.errors import FtlError, StateError
from ftltui.schedule.model import Schedule, ScheduleBook

if TYPE_CHECKING:
    from ftltui.console.session import ConsoleSession
    from ftltui.jobs.queue import JobQueue
    from ftltui.schedule.scheduler import Firing


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One schedule as a view lists it (all text is plain, already made safe)."""

    id: int
    paused: bool
    cron: str
    tz: str
    next: str  # "2026-12-04 06:00:00 UTC", "-" when paused, "never (...)" for an unusable record
    last: str  # "-" or "<time> job N", with "(failed: ...)" / "(skipped N: ...)"
    command: str
    kind: str

    @property
    def state(self) -> str:
        return "paused" if self.paused else "active"


@dataclass(frozen=True, slots=True)
class SchedulesChanged:
    """The schedules changed: an edit (``reason`` says which) or a firing."""

    reason: str


def when(epoch: float, tz: str) -> str:
    from ftltui.schedule.cron import zone

    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")


def row_of(s: Schedule) -> ScheduleRow:
    try:
        nxt = "-" if s.paused else when(s.next_due(), s.tz)
    except FtlError as exc:  # a record this version cannot use (hand-edited, newer syntax): list it anyway
        nxt = f"never ({exc.message})"
    last = "-" if s.last_fired is None else f"{when(s.last_fired, s.tz)} job {s.last_job}"
    if s.last_error:
        last += f" (failed: {s.last_error[:60]})"
    elif s.last_skip:
        last += f" (skipped {s.skipped}: {s.last_skip[:60]})"
    return ScheduleRow(s.id, s.paused, safe_text(s.cron), safe_text(s.tz), safe_text(nxt), safe_text(last),
                       safe_text(s.command), s.kind)


class _SessionClock:
    """The scheduler's clock on the session's ``clock`` (a fixed clock never fires)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def fire_schedules(queue: JobQueue, *, clock: Any = None, wake: Callable[[Callable[[], None]], None] | None = None,
                         on_firing: Callable[[Firing], None] | None = None,
                         check_write: Callable[[str], None] | None = None) -> None:
    """Fire the state directory's schedules as jobs of ``queue`` until cancelled: the
    owner's loop (``ftl-tui daemon`` and a console that owns the directory).

    ``wake`` receives the scheduler's wake function (call it after an edit);
    ``check_write`` is asked before each firing (a session that became read-only, e.g.
    by a reloaded inventory, records the refusal as the firing's error instead)."""
    from ftltui.schedule.command import queue_submitter
    from ftltui.schedule.scheduler import Scheduler

    submit = queue_submitter(queue)
    if check_write is not None:
        guarded, inner = check_write, submit

        async def submit(schedule: Schedule) -> int:
            guarded(f"scheduled {schedule.kind}")
            return await inner(schedule)

    scheduler = Scheduler(ScheduleBook(queue.store), submit, clock=clock, on_firing=on_firing)
    if wake is not None:
        wake(scheduler.wake)
    await scheduler.run()


_DESKS: weakref.WeakKeyDictionary[ConsoleSession, ScheduleDesk] = weakref.WeakKeyDictionary()


def desk_of(session: ConsoleSession) -> ScheduleDesk | None:
    """The session's desk, if a face made one (the API server tells it of clients' edits)."""
    return _DESKS.get(session)


class ScheduleDesk:
    """The schedules of a session's state dir (opened: ``session.queue`` exists)."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self._subscribers: list[Callable[[SchedulesChanged], None]] = []
        self._wake: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        _DESKS[session] = self

    # -- reading ------------------------------------------------------------------------
    @property
    def book(self) -> ScheduleBook:
        queue = self.session.queue
        if queue is None:
            raise StateError("the session is not open")
        return ScheduleBook(queue.store, clock=self.session.clock)

    def rows(self) -> list[ScheduleRow]:
        """The schedules now; a session without a queue of its own (attached to another
        owner) reads the directory's store read-only."""
        if self.session.queue is not None:
            return [row_of(s) for s in self.book.all()]
        from ftltui.state import StateStore

        state = StateStore.open(self.session.state_dir, readonly=True)
        try:
            return [row_of(s) for s in ScheduleBook(state).all()]
        finally:
            state.close()

    @property
    def firing(self) -> bool:
        """True while this session fires the schedules (it owns the state dir, writable)."""
        return self._task is not None and not self._task.done()

    # -- the feed -----------------------------------------------------------------------
    def subscribe(self, handler: Callable[[SchedulesChanged], None]) -> Callable[[], None]:
        self._subscribers.append(handler)
        return lambda: self._subscribers.remove(handler) if handler in self._subscribers else None

    def changed(self, reason: str) -> None:
        """Wake the firing loop and tell the subscribers (an edit made here or elsewhere)."""
        self._changed(reason)

    def _changed(self, reason: str) -> None:
        if self._wake is not None:
            self._wake()
        for handler in list(self._subscribers):
            handler(SchedulesChanged(reason))

    # -- edits (guarded) ----------------------------------------------------------------
    def add(self, cron: str, argv: list[str], *, tz: str = "UTC", misfire: str = "run-once", overlap: bool = False,
            paused: bool = False, cwd: str = "") -> Schedule:
        """Check (expression, zone, the command's options, as ``ftl-tui schedule add``) and store."""
        from ftltui.schedule.command import absolutize
        from ftltui.schedule.model import validate_new

        self.session.check_write("schedule add")
        validate_new(cron, argv, tz, misfire)
        sched = self.book.add(cron, absolutize(argv, cwd) if cwd else argv, tz=tz, misfire=misfire,
                              overlap=overlap, paused=paused, cwd=cwd)
        self._changed(f"schedule {sched.id} added")
        return sched

    def remove(self, schedule_id: int) -> Schedule:
        self.session.check_write("schedule rm")
        sched = self.book.remove(schedule_id)
        self._changed(f"schedule {sched.id} removed")
        return sched

    def set_paused(self, schedule_id: int, paused: bool) -> Schedule:
        self.session.check_write("schedule pause" if paused else "schedule resume")
        sched = self.book.set_paused(schedule_id, paused)
        self._changed(f"schedule {sched.id} {'paused' if paused else 'resumed'}")
        return sched

    # -- firing -------------------------------------------------------------------------
    def start(self) -> bool:
        """Fire the schedules from now on, when this session may: it owns the shared state
        dir (no fallback ``warning``) and is not read-only. True when it started."""
        session = self.session
        if self.firing or session.queue is None or session.warning is not None or session.readonly:
            return False

        def fired(firing: Firing) -> None:
            self._changed(f"schedule {firing.schedule_id} {firing.action}")

        def keep_wake(wake: Callable[[], None]) -> None:
            self._wake = wake

        self._task = asyncio.get_running_loop().create_task(
            fire_schedules(session.queue, clock=_SessionClock(session.clock), wake=keep_wake, on_firing=fired,
                           check_write=session.check_write),
            name="ftl-console-schedules")
        return True

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
