"""Cron maths with a fake clock: every answer is a fixed instant, no real time involved.

Expected firings are worked out from the calendar (2026-01-02 is a Friday; Europe/Berlin
springs forward 2026-03-29 02:00 -> 03:00 and falls back 2026-10-25 03:00 -> 02:00;
America/New_York 2026-03-08 02:00 -> 03:00 and 2026-11-01 02:00 -> 01:00), and the
search itself is checked against a minute-by-minute scan on random expressions. The DST
rules are Vixie cron's (cron.c: wildcard jobs run by the clock after a change, fixed-time
jobs are not run twice); croniter 7.0 agreed on every case here except the fixed times
of a repeated hour, which it fires twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftltui.schedule.cron import CronError, CronSchedule, parse_cron

UTC = timezone.utc


def fires(expr: str, start: datetime, n: int, tz: str = "UTC") -> list[str]:
    """The next ``n`` firings after ``start``, as UTC ISO strings (unambiguous)."""
    sched = CronSchedule.parse(expr, tz)
    out, t = [], start
    for _ in range(n):
        t = sched.next_after(t)
        out.append(t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    return out


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize("expr, start, expected", [
    ("*/15 * * * *", utc(2026, 1, 5, 10, 7), ["2026-01-05 10:15:00", "2026-01-05 10:30:00", "2026-01-05 10:45:00",
                                               "2026-01-05 11:00:00"]),
    ("0 9-17/4 * * *", utc(2026, 1, 5, 0, 0), ["2026-01-05 09:00:00", "2026-01-05 13:00:00", "2026-01-05 17:00:00",
                                                "2026-01-06 09:00:00"]),
    ("5/20 * * * *", utc(2026, 1, 5, 10, 0), ["2026-01-05 10:05:00", "2026-01-05 10:25:00", "2026-01-05 10:45:00",
                                               "2026-01-05 11:05:00"]),
    ("0 0 1 jan,Jul *", utc(2026, 1, 5), ["2026-07-01 00:00:00", "2027-01-01 00:00:00", "2027-07-01 00:00:00"]),
    ("30 8 * * MON-fri", utc(2026, 1, 2, 9), ["2026-01-05 08:30:00", "2026-01-06 08:30:00", "2026-01-07 08:30:00",
                                              "2026-01-08 08:30:00", "2026-01-09 08:30:00", "2026-01-12 08:30:00"]),
    ("0 12 * * 7", utc(2026, 1, 1), ["2026-01-04 12:00:00", "2026-01-11 12:00:00"]),  # 7 = Sunday
    ("0 12 * * 0", utc(2026, 1, 1), ["2026-01-04 12:00:00", "2026-01-11 12:00:00"]),
    ("0 12 * * sun", utc(2026, 1, 1), ["2026-01-04 12:00:00", "2026-01-11 12:00:00"]),
    ("0 12 * * 5-7", utc(2026, 1, 1), ["2026-01-02 12:00:00", "2026-01-03 12:00:00", "2026-01-04 12:00:00",
                                       "2026-01-09 12:00:00"]),
    # both day fields restricted: Vixie's OR rule (Fridays, and the 13th)
    ("0 0 13 * fri", utc(2026, 1, 1), ["2026-01-02 00:00:00", "2026-01-09 00:00:00", "2026-01-13 00:00:00",
                                       "2026-01-16 00:00:00"]),
    # a field starting with '*' (even '*/2') makes it AND: Mondays on odd days
    ("0 0 */2 * mon", utc(2026, 1, 1), ["2026-01-05 00:00:00", "2026-01-19 00:00:00", "2026-02-09 00:00:00"]),
    # Feb 29: the next leap year; 2100 is not one
    ("0 0 29 2 *", utc(2026, 3, 1), ["2028-02-29 00:00:00", "2032-02-29 00:00:00"]),
    ("0 0 29 2 *", utc(2096, 3, 1), ["2104-02-29 00:00:00"]),
    ("0 0 31 * *", utc(2026, 1, 31, 1), ["2026-03-31 00:00:00", "2026-05-31 00:00:00"]),
    ("@hourly", utc(2026, 1, 5, 10, 0, 1), ["2026-01-05 11:00:00", "2026-01-05 12:00:00"]),
    ("@daily", utc(2026, 1, 5, 10), ["2026-01-06 00:00:00"]),
    ("@midnight", utc(2026, 1, 5, 10), ["2026-01-06 00:00:00"]),
    ("@weekly", utc(2026, 1, 5, 10), ["2026-01-11 00:00:00"]),
    ("@monthly", utc(2026, 1, 5, 10), ["2026-02-01 00:00:00"]),
    ("@yearly", utc(2026, 1, 5, 10), ["2027-01-01 00:00:00"]),
    ("@annually", utc(2026, 1, 5, 10), ["2027-01-01 00:00:00"]),
    # a sixth, leading field is the second
    ("*/20 * * * * *", utc(2026, 1, 5, 10, 0, 5), ["2026-01-05 10:00:20", "2026-01-05 10:00:40",
                                                  "2026-01-05 10:01:00"]),
    ("* * * * * *", utc(2026, 1, 5, 23, 59, 59), ["2026-01-06 00:00:00", "2026-01-06 00:00:01"]),
    # strictly after: a start on a firing time gives the next one
    ("0 * * * *", utc(2026, 1, 5, 10), ["2026-01-05 11:00:00"]),
    ("0 0 1 1 *", utc(2026, 12, 31, 23, 59, 30), ["2027-01-01 00:00:00"]),
])
def test_next_firings(expr: str, start: datetime, expected: list[str]) -> None:
    assert fires(expr, start, len(expected)) == expected


BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


@pytest.mark.parametrize("expr, tz, start, expected", [
    # Berlin spring forward (02:00 CET -> 03:00 CEST): 02:30 does not exist, fires at 03:00 CEST = 01:00 UTC
    ("30 2 * * *", BERLIN, utc(2026, 3, 28, 12), ["2026-03-29 01:00:00", "2026-03-30 00:30:00"]),
    # every 15 minutes: 01:45 CET, then the gap's four times collapse into 03:00 CEST, then 03:15
    ("*/15 * * * *", BERLIN, utc(2026, 3, 29, 0, 40), ["2026-03-29 00:45:00", "2026-03-29 01:00:00",
                                                       "2026-03-29 01:15:00"]),
    ("0 3 * * *", BERLIN, utc(2026, 3, 28, 12), ["2026-03-29 01:00:00", "2026-03-30 01:00:00"]),
    # Berlin fall back (03:00 CEST -> 02:00 CET): 02:30 happens twice, fires once (the first, 00:30 UTC)
    ("30 2 * * *", BERLIN, utc(2026, 10, 24, 12), ["2026-10-25 00:30:00", "2026-10-26 01:30:00"]),
    # hourly is a wildcard (hour '*'): it runs by the clock, the repeated 02:00 (CEST, then CET) fires twice
    ("0 * * * *", BERLIN, utc(2026, 10, 24, 23, 30), ["2026-10-25 00:00:00", "2026-10-25 01:00:00",
                                                      "2026-10-25 02:00:00"]),
    # wildcards skip the wall times a gap removes: 01:30 CET, then 03:30 CEST (no 02:30 anywhere)
    ("30 * * * *", BERLIN, utc(2026, 3, 29, 0, 10), ["2026-03-29 00:30:00", "2026-03-29 01:30:00"]),
    ("*/7 * * * *", BERLIN, utc(2026, 3, 29, 0, 50), ["2026-03-29 00:56:00", "2026-03-29 01:00:00",
                                                      "2026-03-29 01:07:00"]),
    # every minute straight through New York's repeated hour (no silent hour)
    ("* * * * *", NEW_YORK, utc(2026, 11, 1, 5, 58), ["2026-11-01 05:59:00", "2026-11-01 06:00:00",
                                                      "2026-11-01 06:01:00"]),
    # a wildcard whose matches are a year away crosses both changes of the year
    ("0 * 1 1 *", BERLIN, utc(2026, 3, 29, 0, 50), ["2026-12-31 23:00:00", "2027-01-01 00:00:00"]),
    # New York spring forward (02:00 EST -> 03:00 EDT): 02:00 fires at 03:00 EDT = 07:00 UTC
    ("0 2 * * *", NEW_YORK, utc(2026, 3, 7, 12), ["2026-03-08 07:00:00", "2026-03-09 06:00:00"]),
    # New York fall back (02:00 EDT -> 01:00 EST): 01:30 fires at 01:30 EDT (05:30 UTC), not again at 06:30
    ("30 1 * * *", NEW_YORK, utc(2026, 10, 31, 12), ["2026-11-01 05:30:00", "2026-11-02 06:30:00"]),
    # starting inside the repeated hour (01:10 EST = 06:10 UTC): a wildcard fires at 01:30 EST again ...
    ("*/30 * * * *", NEW_YORK, utc(2026, 11, 1, 6, 10), ["2026-11-01 06:30:00", "2026-11-01 07:00:00"]),
    # ... a fixed time does not: 01:45 fired at 05:45 UTC (EDT), so the next is tomorrow
    ("45 1 * * *", NEW_YORK, utc(2026, 11, 1, 5, 50), ["2026-11-02 06:45:00"]),
    ("45 1 * * *", NEW_YORK, utc(2026, 11, 1, 6, 10), ["2026-11-02 06:45:00"]),
    # fixed minute and hour with seconds '*': a fixed time; the 60 seconds of the missing 02:30 fire once
    ("* 30 2 * * *", BERLIN, utc(2026, 3, 29, 0, 59, 58), ["2026-03-29 01:00:00", "2026-03-30 00:30:00",
                                                           "2026-03-30 00:30:01"]),
    # ordinary days follow the zone's offset (winter UTC-5, summer UTC-4)
    ("0 9 * * *", NEW_YORK, utc(2026, 1, 5), ["2026-01-05 14:00:00"]),
    ("0 9 * * *", NEW_YORK, utc(2026, 7, 5), ["2026-07-05 13:00:00"]),
])
def test_dst(expr: str, tz: str, start: datetime, expected: list[str]) -> None:
    assert fires(expr, start, len(expected), tz) == expected


def test_result_is_in_the_schedules_zone() -> None:
    t = CronSchedule.parse("0 9 * * *", BERLIN).next_after(utc(2026, 1, 5))
    assert (t.hour, t.utcoffset()) == (9, timedelta(hours=1))
    assert CronSchedule.parse("0 9 * * *", BERLIN).next_after(utc(2026, 1, 5).timestamp()) == t  # epoch accepted


@pytest.mark.parametrize("expr, message", [
    ("* * * *", "has 4 field(s); expected 5"),
    ("* * * * * * *", "has 7 field(s)"),
    ("", "has 0 field(s)"),
    ("60 * * * *", "cron field 1 (minute) in '60 * * * *': 60 is out of range 0-59"),
    ("* 24 * * *", "cron field 2 (hour)"),
    ("* * 0 * *", "cron field 3 (day of month) in '* * 0 * *': 0 is out of range 1-31"),
    ("* * * 13 *", "cron field 4 (month)"),
    ("* * * * 8", "cron field 5 (day of week) in '* * * * 8': 8 is out of range 0-7"),
    ("* * * foo *", "'foo' is not a number 1-12, or a name (jan, feb"),
    ("* * * * mon-sund", "'sund' is not a number 0-7, or a name (sun, mon"),
    ("*/0 * * * *", "step '0' in '*/0' must be a whole number >= 1"),
    ("*/x * * * *", "step 'x'"),
    ("30-10 * * * *", "range '30-10' runs backwards"),
    ("1,,2 * * * *", "empty item in list '1,,2'"),
    ("61 * * * * *", "cron field 1 (second)"),
    ("* * * * * 8", "cron field 6 (day of week)"),
    ("0 0 30 2 *", "never fires: day(s) [30] do not occur in month(s) [2]"),
    ("0 0 31 4,6,9,11 *", "never fires"),
    ("@reboot", "@reboot is not supported"),
    ("@often", "unknown macro '@often'"),
])
def test_errors_name_the_field(expr: str, message: str) -> None:
    with pytest.raises(CronError) as exc:
        parse_cron(expr)
    assert message in str(exc.value)


def test_impossible_day_is_fine_with_the_or_rule() -> None:
    # Feb 30 never exists, but with a restricted weekday the OR rule fires every Monday in February
    assert fires("0 0 30 2 mon", utc(2026, 1, 1), 1) == ["2026-02-02 00:00:00"]


def test_unknown_zone() -> None:
    with pytest.raises(CronError, match="unknown time zone 'Mars/Base'"):
        CronSchedule.parse("* * * * *", "Mars/Base")


def test_naive_start_refused() -> None:
    with pytest.raises(ValueError):
        CronSchedule.parse("* * * * *").next_after(datetime(2026, 1, 1))


_FIELD = st.one_of(
    st.just("*"),
    st.builds(lambda a, s: f"*/{s}", st.none(), st.integers(1, 9)),
    st.builds(lambda a, b, s: f"{min(a, b)}-{max(a, b)}/{s}", st.integers(0, 5), st.integers(0, 23), st.integers(1, 4)),
    st.lists(st.integers(0, 23), min_size=1, max_size=3).map(lambda xs: ",".join(map(str, xs))),
)


@settings(max_examples=60, deadline=None)
@given(minute=_FIELD, hour=_FIELD, dom=st.sampled_from(["*", "1-31/2", "*/3", "5,20"]),
       dow=st.sampled_from(["*", "mon-fri", "0", "1,3,5"]),
       start=st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1)))
def test_search_agrees_with_a_minute_scan(minute: str, hour: str, dom: str, dow: str, start: datetime) -> None:
    """The field-jumping search finds the first matching minute a plain scan finds (UTC)."""
    text = f"{minute} {hour} {dom} * {dow}"
    try:
        expr = parse_cron(text)
    except CronError:
        return  # e.g. minute 23 from a list is fine, a list of hours > 23 is refused: both are tested above
    got = CronSchedule(expr, CronSchedule.parse("* * * * *").tz).next_after(start.replace(tzinfo=UTC))
    t = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(5 * 24 * 60):
        if expr.matches(t):
            assert got.replace(tzinfo=None) == t
            return
        t += timedelta(minutes=1)
    assert got.replace(tzinfo=None) > t  # nothing within five days: the search went further too


@settings(max_examples=40, deadline=None)
@given(minute=st.sampled_from(["*", "*/7", "*/15", "0", "30", "5,45"]),
       hour=st.sampled_from(["*", "*/2", "1-3", "2"]),
       zone_and_day=st.sampled_from([(BERLIN, datetime(2026, 3, 28, 22)), (BERLIN, datetime(2026, 10, 24, 22)),
                                     (NEW_YORK, datetime(2026, 3, 8, 4)), (NEW_YORK, datetime(2026, 11, 1, 3))]),
       offset_minutes=st.integers(0, 8 * 60))
def test_wildcards_agree_with_a_real_time_scan_across_dst(minute: str, hour: str, zone_and_day: tuple[str, datetime],
                                                          offset_minutes: int) -> None:
    """A wildcard expression fires at exactly the real minutes whose wall clock matches:
    scanned minute by minute in UTC, converted to the zone (gaps never appear, a repeated
    hour appears twice)."""
    if not (minute.startswith("*") or hour.startswith("*")):
        return  # fixed times follow the other rule (test_dst)
    zone, day = zone_and_day
    sched = CronSchedule.parse(f"{minute} {hour} * * *", zone)
    start = day.replace(tzinfo=UTC) + timedelta(minutes=offset_minutes)
    got = sched.next_after(start).astimezone(UTC)
    t = start.replace(second=0) + timedelta(minutes=1)
    while not sched.expr.matches(t.astimezone(sched.tz).replace(tzinfo=None)):
        t += timedelta(minutes=1)
    assert got == t
