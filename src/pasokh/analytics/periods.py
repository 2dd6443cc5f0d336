"""Reporting periods: day, week and month buckets in the Jalali or Gregorian calendar.

Buckets are computed in Python from the workspace's time zone (so DST and Tehran's
half-hour offset are exact) and handed to SQL as UTC boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from persiantools.jdatetime import JalaliDate as _JalaliDate

from pasokh.errors import BadRequest

Grain = Literal["day", "week", "month"]
CalendarName = Literal["jalali", "gregorian"]
GRAINS: tuple[str, ...] = ("day", "week", "month")
CALENDARS: tuple[str, ...] = ("jalali", "gregorian")
MAX_BUCKETS = 400
JalaliDate: Any = _JalaliDate  # untyped library


@dataclass(frozen=True)
class Bucket:
    """One reporting period: [start, end) in UTC and its label in the chosen calendar."""

    start: datetime
    end: datetime
    label: str


def calendar_for(locale: str) -> CalendarName:
    """Jalali for Persian readers, Gregorian for everyone else."""
    return "jalali" if locale == "fa" else "gregorian"


def _period_start(day: date, grain: Grain, calendar: CalendarName) -> date:
    if grain == "day":
        return day
    if grain == "week":
        # The Iranian week starts on Saturday (weekday 5); ISO weeks on Monday.
        first = 5 if calendar == "jalali" else 0
        return day - timedelta(days=(day.weekday() - first) % 7)
    if calendar == "jalali":
        j = JalaliDate(day)
        result: date = JalaliDate(j.year, j.month, 1).to_gregorian()
        return result
    return day.replace(day=1)


def _next_start(start: date, grain: Grain, calendar: CalendarName) -> date:
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    # Any day 32 days after the 1st lies in the next month, in both calendars.
    return _period_start(start + timedelta(days=32), "month", calendar)


def _label(start: date, grain: Grain, calendar: CalendarName) -> str:
    if calendar == "jalali":
        j = JalaliDate(start)
        return f"{j.year:04d}/{j.month:02d}" if grain == "month" else \
            f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return start.strftime("%Y-%m") if grain == "month" else start.isoformat()


def check_period(grain: str, calendar: str) -> tuple[Grain, CalendarName]:
    """Validate a grain and a calendar name from a request."""
    if grain not in GRAINS:
        raise BadRequest(f"Unknown period '{grain[:20]}': use day, week or month.",
                         fa=f"دورهٔ «{grain[:20]}» شناخته نیست؛ day، week یا month را بگذارید.")
    if calendar not in CALENDARS:
        raise BadRequest(f"Unknown calendar '{calendar[:20]}': use jalali or gregorian.",
                         fa=f"تقویم «{calendar[:20]}» شناخته نیست؛ jalali یا gregorian را "
                         "بگذارید.")
    return grain, calendar  # type: ignore[return-value]


def buckets(*, start: datetime, end: datetime, grain: Grain, calendar: CalendarName,
            tz: str = "Asia/Tehran") -> list[Bucket]:
    """The whole periods that cover [start, end), in local time `tz`, as UTC boundaries."""
    if end <= start:
        raise BadRequest("The end of the range must come after its start.",
                         fa="پایان بازه باید پس از آغاز آن باشد.")
    zone = ZoneInfo(tz)
    day = _period_start(start.astimezone(zone).date(), grain, calendar)
    last = end.astimezone(zone)
    out: list[Bucket] = []
    while True:
        lo = datetime.combine(day, time(), zone)
        if lo >= last:
            break
        nxt = _next_start(day, grain, calendar)
        hi = datetime.combine(nxt, time(), zone)
        out.append(Bucket(lo.astimezone(UTC), hi.astimezone(UTC), _label(day, grain, calendar)))
        if len(out) > MAX_BUCKETS:
            raise BadRequest(f"That range has more than {MAX_BUCKETS} {grain}s; choose a "
                             "shorter range or a longer period.",
                             fa=f"این بازه بیش از {MAX_BUCKETS} دوره ({grain}) دارد؛ بازهٔ "
                             "کوتاه‌تر یا دورهٔ بلندتری انتخاب کنید.")
        day = nxt
    return out
