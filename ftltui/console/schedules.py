"""The session's schedules: typed rows for a Schedules view, guarded edits, and the
scheduler loop an owner runs.

A console that owns its state directory fires the directory's schedules exactly as
``ftl-tui daemon`` and ``ftl-tui serve`` do (all call :func:`fire_schedules`); a
read-only one, or one that fell back to a private temporary state dir, fires nothing.
Edits (add, remove, pause, resume) go through the session's guard, so a read-only
console refuses them here and not only in its keys; each edit wakes the loop and is
announced to :meth:`ScheduleDesk.subscribe`-rs as a :class:`SchedulesChanged`, as is
each firing.

The owner's edits are durable writes (an fsync each): they run in a thread, never on
the face's loop. An attached console (:class:`~ftltui.console.remote_session.RemoteConsoleSession`)
has no store of its own: it lists and edits the schedules with the owner's
``schedule.*`` ops, and learns of changes (another client's edit, a firing) from the
owner's ``view.watch`` (:meth:`ScheduleDesk.changed`). The command is checked once:
by the owner's :meth:`~ftltui.schedule.model.ScheduleBook.add`.

Times are computed with the session's clock (a console under test has a fixed one,
so "next" is stable in snapshots) and shown in each schedule's own zone.
Plain Python: no textual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftltui.engine.sanitize import safe_text
from ftltui.errors import StateError
from ftltui.schedule.model import Schedule, ScheduleBook
from ftltui.schedule.records import from_record, last_text, next_text

if TYPE_CHECKING:
    from ftltui.console.remote_session import RemoteConsoleSession
    from ftltui.console.session import ConsoleSession
    from ftltui.jobs.queue import JobQueue
    from ftltui.schedule.scheduler import Clock, Firing


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


def row_of(s: Schedule) -> ScheduleRow:
    return ScheduleRow(s.id, s.paused, safe_text(s.cron), safe_text(s.tz), safe_text(next_text(s)),
                       safe_text(last_text(s)), safe_text(s.command), s.kind)


class _SessionClock:
    """The scheduler's clock on the session's ``clock`` (a fixed clock never fires)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def fire_schedules(queue: JobQueue, *, clock: Clock | None = None, wake: Callable[[Callable[[], None]], None] | None = None,
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


def desk_of(session: ConsoleSession) -> ScheduleDesk | None:
    """The session's desk, if something made one (kept on the session itself, so a closed
    session and its desk are collected together; review hQ #9)."""
    return session.schedule_desk


class ScheduleDesk:
    """The schedules of a session's state dir: one desk per session (:meth:`of`)."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self._subscribers: list[Callable[[SchedulesChanged], None]] = []
        self._wake: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        session.schedule_desk = self

    @classmethod
    def of(cls, session: ConsoleSession) -> ScheduleDesk:
        """The session's desk (made on first use): the face's view, the owner's API and the
        firing loop share it, so each hears of the others' changes."""
        return desk_of(session) or cls(session)

    @property
    def attached(self) -> bool:
        """The schedules are another process's (an attached console): ops go to the owner."""
        from ftltui.console.remote_session import RemoteConsoleSession

        return isinstance(self.session, RemoteConsoleSession)

    # -- reading ------------------------------------------------------------------------
    @property
    def book(self) -> ScheduleBook:
        """The owner's book (in this process's store); an attached session has none."""
        queue = self.session.queue
        if queue is None:
            raise StateError("the session is not open")
        return ScheduleBook(queue.store, clock=self.session.clock)

    def _remote(self) -> RemoteConsoleSession:
        from ftltui.console.remote_session import RemoteConsoleSession

        session = self.session
        assert isinstance(session, RemoteConsoleSession)
        return session

    async def _owner(self, op: str, **args: object) -> dict[str, Any]:
        return await self._remote().owner_request(op, **args)

    async def all(self) -> list[Schedule]:
        """The schedules now: the owner's store is in memory here; an attached console asks
        the owner (``schedule.list``), never replays the directory's store on its loop."""
        if self.attached:
            return [from_record(doc) for doc in await self._remote().owner_rows("schedule.list")]
        return self.book.all()

    async def rows(self) -> list[ScheduleRow]:
        return [row_of(s) for s in await self.all()]

    async def get(self, schedule_id: int) -> Schedule:
        """One schedule (a wrong id: :class:`~ftltui.schedule.model.ScheduleError` naming the ids)."""
        if not self.attached:
            return self.book.get(schedule_id)
        schedules = await self.all()
        found = next((s for s in schedules if s.id == schedule_id), None)
        if found is None:
            from ftltui.schedule.model import ScheduleError

            known = ", ".join(str(s.id) for s in schedules) or "none"
            raise ScheduleError(f"no schedule {schedule_id} (schedules: {known})")
        return found

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
        if self._wake is not None:
            self._wake()
        for handler in list(self._subscribers):
            handler(SchedulesChanged(reason))

    # -- edits (guarded; durable writes in a thread, or the owner's ops) --------------------
    async def add(self, cron: str, argv: list[str], *, tz: str = "UTC", misfire: str = "run-once",
                  overlap: bool = False, paused: bool = False, cwd: str = "", allow_no_hosts: bool = False) -> Schedule:
        """Check (expression, zone, the command's options, as ``ftl-tui schedule add``: once,
        by the book that stores it; its host patterns against the inventory it fires on, this
        session's or the owner's: none matched is refused unless ``allow_no_hosts``) and store."""
        from ftltui.schedule.command import absolutize

        self.session.check_write("schedule add")
        words = absolutize(argv, cwd) if cwd else list(argv)
        if self.attached:
            sched = from_record(await self._owner("schedule.add", cron=cron, argv=words, tz=tz, misfire=misfire,
                                                  overlap=overlap, paused=paused, cwd=cwd,
                                                  allow_no_hosts=allow_no_hosts))
        else:
            book, executor = self.book, self.session.queue.executor if self.session.queue else None
            sched = await asyncio.to_thread(book.add, cron, words, tz=tz, misfire=misfire, overlap=overlap,
                                            paused=paused, cwd=cwd, allow_no_hosts=allow_no_hosts,
                                            inventory=executor.inventory if executor else self.session.inventory)
        self.changed(f"schedule {sched.id} added")
        return sched

    async def remove(self, schedule_id: int) -> Schedule:
        self.session.check_write("schedule rm")
        if self.attached:
            sched = from_record(await self._owner("schedule.rm", id=schedule_id))
        else:
            sched = await asyncio.to_thread(self.book.remove, schedule_id)
        self.changed(f"schedule {sched.id} removed")
        return sched

    async def set_paused(self, schedule_id: int, paused: bool) -> Schedule:
        self.session.check_write("schedule pause" if paused else "schedule resume")
        if self.attached:
            sched = from_record(await self._owner("schedule.pause" if paused else "schedule.resume", id=schedule_id))
        else:
            sched = await asyncio.to_thread(self.book.set_paused, schedule_id, paused)
        self.changed(f"schedule {sched.id} {'paused' if paused else 'resumed'}")
        return sched

    async def toggle(self, schedule_id: int) -> Schedule:
        """Pause an active schedule, resume a paused one."""
        return await self.set_paused(schedule_id, not (await self.get(schedule_id)).paused)

    # -- firing -------------------------------------------------------------------------
    def start(self) -> bool:
        """Fire the schedules from now on, when this session may: it owns the shared state
        dir (no fallback ``warning``) and is not read-only. True when it started."""
        session = self.session
        if self.firing or self.attached or session.queue is None or session.warning is not None \
                or session.readonly:
            return False

        def fired(firing: Firing) -> None:
            self.changed(f"schedule {firing.schedule_id} {firing.action}")

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
