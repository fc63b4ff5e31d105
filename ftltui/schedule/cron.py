"""Cron expressions: parsing, matching and ``next_after`` in an explicit time zone.

Our own small parser rather than ``croniter``: it is a few hundred lines, the DST rules
below are ours to state and test, and errors name the field and what was expected.

Syntax (Vixie cron, ``man 5 crontab``)::

    [SECOND] MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK

* Five fields as in crontab; an optional sixth field in front is the second (as in
  Quartz, Spring and robfig/cron). Without it, firings are at second 0.
* Each field is a comma list of ``*``, ``N``, ``A-B``, each optionally ``/STEP``;
  ``N/STEP`` means ``N-MAX/STEP``. Months take ``jan``..``dec``, days of week
  ``sun``..``sat`` (any case); day of week 0 and 7 are both Sunday.
* ``@yearly`` (``@annually``), ``@monthly``, ``@weekly``, ``@daily`` (``@midnight``),
  ``@hourly``. ``@reboot`` is refused: a schedule fires from the owner's clock, and
  "at boot" is the init system's job (start ``ftl-tui daemon`` from it instead).
* Day of month and day of week: if either field starts with ``*`` a day must match
  both; if both are restricted, a day matching either one fires (Vixie's OR rule:
  ``0 0 1 * mon`` is the 1st of the month and every Monday).

Time zones (``zoneinfo``): the expression is matched against the wall clock of the
schedule's zone.

Daylight saving time follows Vixie cron / cronie, which split expressions in two:

* A *wildcard* expression (its minute or hour field starts with ``*``: ``*/5 * * * *``,
  ``0 * * * *``) runs by the clock: wall times that do not exist (spring forward) are
  not run, and an hour that happens twice (fall back) fires twice, so an every-5-minutes
  schedule keeps firing every 5 minutes through both changes.
* A *fixed-time* expression (``30 2 * * *``) fires once per day it names: a wall time
  that does not exist (02:30 in Europe/Berlin on the last Sunday of March) fires at the
  first instant after the gap (03:00 local; several such times in one gap fire once),
  and a wall time that happens twice fires at its first occurrence only.
"""

from __future__ import annotations

import bisect
import calendar
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ftltui.errors import FtlError

MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
DAY_NAMES = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
SEARCH_YEARS = 12  # Feb 29 can be 8 years away (2096 -> 2104); nothing valid is further
ONE_SECOND = timedelta(seconds=1)
ONE_MINUTE = timedelta(minutes=1)


class CronError(FtlError):
    """A cron expression or time zone that cannot be used (says which field and why)."""


@dataclass(frozen=True)
class FieldSpec:
    """One field's position, name and range (and the names it accepts)."""

    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


SECOND = FieldSpec("second", 0, 59)
FIELDS = (
    FieldSpec("minute", 0, 59),
    FieldSpec("hour", 0, 23),
    FieldSpec("day of month", 1, 31),
    FieldSpec("month", 1, 12, MONTH_NAMES),
    FieldSpec("day of week", 0, 7, DAY_NAMES),
)


def _value(text: str, spec: FieldSpec, where: str) -> int:
    low = text.lower()
    if spec.names and low in spec.names:
        return spec.names[low]
    if not text.isdigit():
        named = f", or a name ({', '.join(spec.names)})" if spec.names else ""
        raise CronError(f"{where}: {text!r} is not a number {spec.low}-{spec.high}{named}")
    n = int(text)
    if not spec.low <= n <= spec.high:
        raise CronError(f"{where}: {n} is out of range {spec.low}-{spec.high}")
    return n


def parse_field(text: str, spec: FieldSpec, where: str) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it starts with ``*`` (for the day rule)."""
    if not text:
        raise CronError(f"{where}: empty")
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{where}: empty item in list {text!r}")
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{where}: step {step_text!r} in {part!r} must be a whole number >= 1")
            step = int(step_text)
        if base == "*":
            first, last = spec.low, spec.high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _value(a, spec, where), _value(b, spec, where)
            if first > last:
                raise CronError(f"{where}: range {base!r} runs backwards (expected LOW-HIGH)")
        else:
            first = _value(base, spec, where)
            last = spec.high if slash else first
        values.update(range(first, last + 1, step))
    return frozenset(values), text.startswith("*")


@dataclass(frozen=True)
class CronExpr:
    """A parsed expression: the allowed values of each field."""

    text: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday .. 6 = Saturday (7 folded into 0)
    day_star: bool
    weekday_star: bool
    wildcard: bool = False  # minute or hour field starts with '*': runs by the clock across DST changes

    @functools.cached_property
    def sorted_fields(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """Hours, minutes and seconds in order, for jumping to the next allowed value."""
        return tuple(sorted(self.hours)), tuple(sorted(self.minutes)), tuple(sorted(self.seconds))

    def day_matches(self, year: int, month: int, day: int) -> bool:
        weekday = (calendar.weekday(year, month, day) + 1) % 7  # Monday=0 -> Sunday=0
        in_days, in_weekdays = day in self.days, weekday in self.weekdays
        if self.day_star or self.weekday_star:
            return in_days and in_weekdays
        return in_days or in_weekdays

    def matches(self, wall: datetime) -> bool:
        """Does this naive wall-clock time fire (ignoring time zones)?"""
        return (wall.second in self.seconds and wall.minute in self.minutes and wall.hour in self.hours
                and wall.month in self.months and self.day_matches(wall.year, wall.month, wall.day))


def parse_cron(text: str) -> CronExpr:
    """Parse ``text``; :class:`CronError` names the field and what was expected."""
    stripped = " ".join(text.split())
    if stripped.startswith("@"):
        if stripped.lower() == "@reboot":
            raise CronError("@reboot is not supported: schedules fire from the owner's clock; "
                            "start `ftl-tui daemon` from your init system instead")
        if stripped.lower() not in MACROS:
            raise CronError(f"unknown macro {stripped!r}; expected one of {', '.join(sorted(MACROS))}")
        stripped = MACROS[stripped.lower()]
    words = stripped.split(" ") if stripped else []
    if len(words) not in (5, 6):
        raise CronError(f"cron expression {text!r} has {len(words)} field(s); expected 5 "
                        "(minute hour day-of-month month day-of-week), or 6 with a leading second")
    specs = ((SECOND,) if len(words) == 6 else ()) + FIELDS
    parsed = [parse_field(w, s, f"cron field {i} ({s.name}) in {text!r}")
              for i, (w, s) in enumerate(zip(words, specs), start=1)]
    if len(words) == 5:
        parsed.insert(0, (frozenset({0}), False))
    (sec, _), (mins, min_star), (hours, hour_star), (days, day_star), (months, _), (wdays, wday_star) = parsed
    expr = CronExpr(text, sec, mins, hours, days, months, frozenset(d % 7 for d in wdays), day_star, wday_star,
                    min_star or hour_star)
    _check_possible(expr, text)
    return expr


def _check_possible(expr: CronExpr, text: str) -> None:
    """``0 0 30 2 *`` never fires: say so now, not by searching years ahead."""
    if not (expr.weekday_star or expr.day_star):
        return  # OR rule: every week has the weekdays
    longest = {m: calendar.monthrange(2000, m)[1] for m in expr.months}  # 2000: Feb has 29 days
    if not any(d <= longest[m] for m in expr.months for d in expr.days):
        raise CronError(f"cron expression {text!r} never fires: day(s) {sorted(expr.days)} "
                        f"do not occur in month(s) {sorted(expr.months)}")


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``UTC``, ``Europe/Berlin``); :class:`CronError` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name!r}; expected an IANA name such as UTC or Europe/Berlin") from None


def _next_value(values: tuple[int, ...], at_least: int) -> int | None:
    """The smallest allowed value >= ``at_least`` (``values`` sorted), None if none."""
    i = bisect.bisect_left(values, at_least)
    return values[i] if i < len(values) else None


def _next_wall(expr: CronExpr, after: datetime) -> datetime:
    """The first naive wall time > ``after`` that matches, jumping field by field."""
    t = after.replace(microsecond=0) + ONE_SECOND
    limit = after.year + SEARCH_YEARS
    hours, minutes, seconds = expr.sorted_fields
    while t.year <= limit:
        if t.month not in expr.months:
            y, m = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
            t = datetime(y, m, 1)
            continue
        if not expr.day_matches(t.year, t.month, t.day):
            t = datetime(t.year, t.month, t.day) + timedelta(days=1)
            continue
        hour = _next_value(hours, t.hour)
        if hour is None:
            t = datetime(t.year, t.month, t.day) + timedelta(days=1)
            continue
        if hour != t.hour:
            t = t.replace(hour=hour, minute=0, second=0)
        minute = _next_value(minutes, t.minute)
        if minute is None:
            t = t.replace(minute=0, second=0) + timedelta(hours=1)
            continue
        if minute != t.minute:
            t = t.replace(minute=minute, second=0)
        second = _next_value(seconds, t.second)
        if second is None:
            t = t.replace(second=0) + ONE_MINUTE
            continue
        return t.replace(second=second)
    raise CronError(f"cron expression {expr.text!r} does not fire within {SEARCH_YEARS} years")


def _exists(wall: datetime, tz: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=tz)
    return aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) == wall


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first existing wall time after ``wall`` (which is in a DST gap), as an instant."""
    t = wall.replace(second=0) + ONE_MINUTE
    for _ in range(48 * 60):  # real gaps are an hour or two
        if _exists(t, tz):
            return t.replace(tzinfo=tz)
        t += ONE_MINUTE
    raise CronError(f"no valid time after {wall} in {tz.key}")


def _next_transition(tz: ZoneInfo, start: datetime, until: datetime, offset: timedelta) -> datetime | None:
    """The first instant in (start, until] whose UTC offset is not ``offset`` (UTC times).

    Probes every 6 hours (zones change offset months apart), then bisects to the second."""
    probe = start
    while probe < until:
        nxt = min(probe + timedelta(hours=6), until)
        if nxt.astimezone(tz).utcoffset() != offset:
            lo, hi = int(probe.timestamp()), int(nxt.timestamp())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, timezone.utc).astimezone(tz).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            return datetime.fromtimestamp(hi, timezone.utc)
        probe = nxt
    return None


def _next_by_clock(expr: CronExpr, instant: datetime, tz: ZoneInfo) -> datetime:
    """Wildcard expressions: walk real time in stretches of constant UTC offset, where
    the wall clock is UTC plus that offset; a repeated hour is walked twice, a gap never."""
    t = instant.astimezone(timezone.utc)
    offset = t.astimezone(tz).utcoffset() or timedelta(0)
    for _ in range(8 * SEARCH_YEARS):  # at most two offset changes a year
        wall = _next_wall(expr, (t + offset).replace(tzinfo=None))
        fire = (wall - offset).replace(tzinfo=timezone.utc)
        change = _next_transition(tz, t, fire, offset)
        if change is None:
            return fire.astimezone(tz)
        # go on from the change with the new offset: walls after (change - 1 s), whole seconds
        offset = change.astimezone(tz).utcoffset() or timedelta(0)
        t = change - ONE_SECOND
    raise CronError(f"cron expression {expr.text!r} does not fire within {SEARCH_YEARS} years")


def next_after(expr: CronExpr, instant: datetime, tz: ZoneInfo) -> datetime:
    """The first firing strictly after ``instant`` (aware), as an aware time in ``tz``."""
    if instant.tzinfo is None:
        raise ValueError("next_after needs an aware datetime")
    if expr.wildcard:
        return _next_by_clock(expr, instant, tz)
    wall = instant.astimezone(tz).replace(tzinfo=None)
    while True:
        wall = _next_wall(expr, wall)
        if not _exists(wall, tz):
            fire = _gap_end(wall, tz)
        else:
            fire = wall.replace(tzinfo=tz, fold=0)  # the first of two occurrences
        # compare in UTC: aware times sharing one tzinfo compare by wall clock, ignoring fold
        if fire.astimezone(timezone.utc) > instant.astimezone(timezone.utc):
            return fire
        # the first occurrence of a repeated wall time is already past: skip it


@dataclass(frozen=True)
class CronSchedule:
    """An expression bound to its zone: what a schedule record keeps."""

    expr: CronExpr
    tz: ZoneInfo

    @classmethod
    def parse(cls, text: str, tz: str = "UTC") -> CronSchedule:
        return cls(parse_cron(text), zone(tz))

    def next_after(self, instant: datetime | float) -> datetime:
        if not isinstance(instant, datetime):
            instant = datetime.fromtimestamp(instant, timezone.utc)
        return next_after(self.expr, instant, self.tz)
