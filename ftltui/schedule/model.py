"""Schedule records and their table in the state store.

A schedule keeps *what to run* as the command line the user gave (``run ...``,
``play ...``, ``drift scan ...``: the words after the cron expression), checked by
:mod:`ftltui.schedule.command` when added, plus the working directory it was added in
(relative paths in it mean what they meant then). It never holds a secret: options
that would prompt for one are refused, and vault or become passwords are given as
file paths (``--vault-password-file``, ``--become-password-file``), which are read
when the schedule fires.

``anchor`` is the instant up to which firings have been dealt with (fired, skipped as
an overlap, or skipped/merged as a misfire): the next firing is the first cron time
after it. It starts at the creation time, so a new schedule never fires for the past.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ftltui.errors import FtlError
from ftltui.schedule.cron import CronSchedule
from ftltui.state import StateStore

TABLE = "schedules"
MISFIRE_POLICIES = ("run-once", "skip")


class ScheduleError(FtlError):
    """A schedule that cannot be added or changed, or an id that does not exist."""


class NoHostsMatched(ScheduleError):
    """The schedule's hosts (its PATTERN, ``-l``, a workflow step's ``hosts:``) are none of
    the inventory's: refused when added (unless ``--allow-no-hosts``), recorded when it
    fires (:mod:`ftltui.schedule.scheduler`). A schedule that fires forever doing nothing
    must never look like a success."""


@dataclass
class Schedule:
    """One schedule as stored (``id`` is the store's document id)."""

    cron: str
    argv: list[str]
    tz: str = "UTC"
    misfire: str = "run-once"
    overlap: bool = False  # False: a firing while the last job still runs is skipped
    allow_no_hosts: bool = False  # added knowing its pattern matched no host: such a firing is a skip, not an error
    paused: bool = False
    cwd: str = ""
    created: float = 0.0
    anchor: float = 0.0
    last_fired: float | None = None
    last_job: int | None = None
    last_skip: str = ""
    skipped: int = 0
    last_error: str = ""
    notify: dict[str, Any] = field(default_factory=dict)  # drift scans: ftltui.schedule.notify.Notify
    last_notify: str = ""
    id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # fields of a newer ftl-tui, kept as they were

    @property
    def kind(self) -> str:
        """``run``, ``play`` or ``drift scan``."""
        return "drift scan" if self.argv[:2] == ["drift", "scan"] else self.argv[0]

    @property
    def command(self) -> str:
        import shlex

        return shlex.join(self.argv)

    def timing(self) -> CronSchedule:
        return CronSchedule.parse(self.cron, self.tz)

    def next_due(self) -> float:
        """The first firing after ``anchor`` (epoch seconds)."""
        return self.timing().next_after(self.anchor).timestamp()

    def doc(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("id")
        extra = d.pop("extra")
        return {**extra, **d}

    @classmethod
    def from_doc(cls, doc_id: int, doc: dict[str, Any]) -> Schedule:
        known = {f.name for f in fields(cls)} - {"id", "extra"}
        values = {k: v for k, v in doc.items() if k in known}
        return cls(**values, id=int(doc_id), extra={k: v for k, v in doc.items() if k not in known})


def validate_timing(cron: str, tz: str, misfire: str) -> None:
    """Raise a clear :class:`FtlError` for a bad expression, zone or policy."""
    CronSchedule.parse(cron, tz)  # CronError names the field / the zone
    if misfire not in MISFIRE_POLICIES:
        raise ScheduleError(f"misfire policy {misfire!r}: expected one of {', '.join(MISFIRE_POLICIES)}")


def validate_new(cron: str, argv: list[str], tz: str, misfire: str, notify: Any = None) -> None:
    """Everything :meth:`ScheduleBook.add` checks, without a store (the CLI checks before
    it knows whether it may write)."""
    from ftltui.schedule.command import check_command

    validate_timing(cron, tz, misfire)
    check_command(argv)
    if notify is not None:
        from ftltui.schedule.notify import check_notify

        check_notify(notify, Schedule(cron=cron, argv=list(argv)).kind)


class ScheduleBook:
    """CRUD on the ``schedules`` table; every write is durable when it returns."""

    def __init__(self, state: StateStore, clock: Any = time.time) -> None:
        self.state = state
        self.table = state.table(TABLE)
        self.clock = clock

    def add(self, cron: str, argv: list[str], *, tz: str = "UTC", misfire: str = "run-once",
            overlap: bool = False, cwd: str = "", paused: bool = False, notify: Any = None,
            checked: bool = False, inventory: Any = None, allow_no_hosts: bool = False) -> Schedule:
        """Validate timing, command (:func:`ftltui.schedule.command.check_command`) and
        notification (:func:`ftltui.schedule.notify.check_notify`), then store.

        ``checked``: the caller ran :func:`validate_new` on these very values already
        (the CLI checks before it knows whether it may write); checking parses the
        command with the CLI's parser and reads a playbook, so it is done once.
        ``inventory``: the one the schedule will fire on (an owner's): its host patterns
        are checked against it (:func:`ftltui.schedule.command.check_hosts`; none matched
        is refused unless ``allow_no_hosts``), whether ``checked`` or not."""
        if not checked:
            validate_new(cron, argv, tz, misfire, notify)
        if inventory is not None:
            from ftltui.schedule.command import check_hosts

            check_hosts(list(argv), inventory, allow_no_hosts)
        now = float(self.clock())
        sched = Schedule(cron=cron, argv=list(argv), tz=tz, misfire=misfire, overlap=overlap, paused=paused,
                         cwd=cwd, created=now, anchor=now, notify=notify.doc() if notify is not None else {},
                         allow_no_hosts=allow_no_hosts)
        sched.id = self.table.insert(sched.doc())
        return sched

    def get(self, schedule_id: int | str) -> Schedule:
        doc_id = self.parse_id(schedule_id)
        doc = self.table.get(doc_id)
        if doc is None:
            known = ", ".join(str(i) for i in sorted(self.table.ids())) or "none"
            raise ScheduleError(f"no schedule {doc_id} (schedules: {known})")
        return Schedule.from_doc(doc_id, doc)

    def all(self) -> list[Schedule]:
        return sorted((Schedule.from_doc(d.doc_id, d) for d in self.table.all()), key=lambda s: s.id)

    def remove(self, schedule_id: int | str) -> Schedule:
        sched = self.get(schedule_id)
        self.table.remove(sched.id)
        return sched

    def set_paused(self, schedule_id: int | str, paused: bool) -> Schedule:
        """Pause, or resume: a resumed schedule does not fire for the time it was paused."""
        sched = self.get(schedule_id)
        changes: dict[str, Any] = {"paused": paused}
        if not paused and sched.paused:
            changes["anchor"] = max(sched.anchor, float(self.clock()))
        self.table.update(sched.id, changes)
        return self.get(sched.id)

    def update(self, sched: Schedule, **changes: Any) -> Schedule:
        """Record what the scheduler did (``anchor``, ``last_*``, ``skipped``)."""
        bad = set(changes) - ({f.name for f in fields(Schedule)} - {"id", "extra"})
        if bad:
            raise ScheduleError(f"unknown schedule field(s): {', '.join(sorted(bad))}")
        if sched.id not in self.table:
            raise ScheduleError(f"no schedule {sched.id} (removed)")
        self.table.update(sched.id, changes)
        for name, value in changes.items():
            setattr(sched, name, value)
        return sched

    @staticmethod
    def parse_id(schedule_id: int | str) -> int:
        """A schedule's id as typed (``3``, ``'3'``); the error names the list to look in."""
        try:
            return int(schedule_id)
        except (TypeError, ValueError):
            raise ScheduleError(f"schedule id {schedule_id!r}: expected a number (see: ftl-tui schedule list)") from None
