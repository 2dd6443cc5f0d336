"""Business-time arithmetic on a working week, a time zone and holidays. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# The Iranian week: Saturday to Wednesday full days, Thursday a half day, Friday off.
IRAN_WEEK: dict[str, list[list[str]]] = {
    "5": [["08:00", "17:00"]],  # Saturday
    "6": [["08:00", "17:00"]],  # Sunday
    "0": [["08:00", "17:00"]],  # Monday
    "1": [["08:00", "17:00"]],  # Tuesday
    "2": [["08:00", "17:00"]],  # Wednesday
    "3": [["08:00", "13:00"]],  # Thursday
}
# A calendar with no open hour would loop forever; ten years is far beyond any SLA.
MAX_DAYS = 3660


class CalendarError(ValueError):
    """A calendar that cannot work, said in English and in Persian."""

    def __init__(self, message: str, fa: str) -> None:
        super().__init__(message)
        self.fa = fa


@dataclass(frozen=True)
class WorkCalendar:
    """Opening hours per weekday (0=Monday) in a zone, minus holidays."""

    zone: ZoneInfo
    weekly: Mapping[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not any(self.weekly.values()):
            raise CalendarError("a business calendar needs at least one open hour a week",
                                "تقویم کاری دست‌کم یک ساعت کاری در هفته لازم دارد")


def _parse_time(text: str) -> time:
    if text in ("24:00", "24:00:00"):
        return time.max
    return time.fromisoformat(text)


def parse_weekly(raw: Mapping[str, Any]) -> dict[int, tuple[tuple[time, time], ...]]:
    """Turn {"5": [["08:00", "17:00"]], ...} into weekday -> sorted (start, end) pairs."""
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    for key, spans in raw.items():
        weekday = int(key)
        if not 0 <= weekday <= 6:
            raise CalendarError(f"weekday {key} is not 0 (Monday) to 6 (Sunday)",
                                f"روز هفتهٔ {key} بین 0 (دوشنبه) و 6 (یکشنبه) نیست")
        pairs = sorted((_parse_time(a), _parse_time(b)) for a, b in spans)
        for start, end in pairs:
            if start >= end:
                raise CalendarError(
                    f"opening hours {start:%H:%M}-{end:%H:%M} end before they start",
                    f"ساعت کاری {start:%H:%M}-{end:%H:%M} پیش از آغازش تمام می‌شود")
        weekly[weekday] = tuple(pairs)
    return weekly


def make_calendar(*, timezone: str = "Asia/Tehran",
                  weekly: Mapping[str, Any] | None = None,
                  holidays: Iterable[date] = ()) -> WorkCalendar:
    """Build a calendar; the Iranian week in Asia/Tehran by default."""
    hours = parse_weekly(IRAN_WEEK if weekly is None else weekly)
    return WorkCalendar(zone=ZoneInfo(timezone), weekly=hours, holidays=frozenset(holidays))


def _open_spans(cal: WorkCalendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    if day in cal.holidays:
        return
    for start, end in cal.weekly.get(day.weekday(), ()):
        opens = datetime.combine(day, start, cal.zone)
        closes = (datetime.combine(day + timedelta(days=1), time(), cal.zone)
                  if end == time.max else datetime.combine(day, end, cal.zone))
        yield opens, closes


def _spans_from(cal: WorkCalendar, at: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open spans that end after `at`, in order, clipped to start no earlier than `at`."""
    day = at.astimezone(cal.zone).date()
    for offset in range(MAX_DAYS):
        for opens, closes in _open_spans(cal, day + timedelta(days=offset)):
            if closes > at:
                yield max(opens, at), closes
    raise ValueError("no business hours in the next ten years; check the calendar")


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("business-time arithmetic needs timezone-aware datetimes")
    return at


def is_business_time(cal: WorkCalendar, at: datetime) -> bool:
    """True when `at` falls inside opening hours on a working day."""
    local_day = _aware(at).astimezone(cal.zone).date()
    return any(opens <= at < closes for opens, closes in _open_spans(cal, local_day))


def next_opening(cal: WorkCalendar, at: datetime) -> datetime:
    """`at` itself during opening hours, else the moment the centre next opens."""
    opens, _ = next(_spans_from(cal, _aware(at)))
    return opens


def add_business_minutes(cal: WorkCalendar, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of business time after `start` (time outside hours is skipped)."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    remaining = timedelta(minutes=minutes)
    for opens, closes in _spans_from(cal, _aware(start)):
        if opens + remaining <= closes:
            return (opens + remaining).astimezone(start.tzinfo)
        remaining -= closes - opens
    raise AssertionError("unreachable")  # pragma: no cover  # _spans_from raises first


def business_minutes_between(cal: WorkCalendar, start: datetime, end: datetime) -> float:
    """Business minutes from `start` to `end` (negative when `end` is earlier)."""
    if _aware(end) < _aware(start):
        return -business_minutes_between(cal, end, start)
    total = timedelta()
    for opens, closes in _spans_from(cal, start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total.total_seconds() / 60
