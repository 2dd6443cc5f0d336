"""Reporting periods in the Jalali and Gregorian calendars, in Tehran's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import pytest

from pasokh.analytics.periods import buckets, calendar_for
from pasokh.errors import BadRequest

# 2026-03-21 06:00 UTC is 1405/01/01 09:30 in Tehran (UTC+03:30), a Saturday.
NOWRUZ = datetime(2026, 3, 21, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(("grain", "calendar", "first", "start_utc", "count"), [
    ("day", "jalali", "1405/01/01", datetime(2026, 3, 20, 20, 30, tzinfo=UTC), 10),
    ("day", "gregorian", "2026-03-21", datetime(2026, 3, 20, 20, 30, tzinfo=UTC), 10),
    # The Iranian week starts on Saturday: Nowruz 1405 is its first day.
    ("week", "jalali", "1405/01/01", datetime(2026, 3, 20, 20, 30, tzinfo=UTC), 2),
    # ISO weeks start on Monday 2026-03-16.
    ("week", "gregorian", "2026-03-16", datetime(2026, 3, 15, 20, 30, tzinfo=UTC), 3),
    ("month", "jalali", "1405/01", datetime(2026, 3, 20, 20, 30, tzinfo=UTC), 1),
    ("month", "gregorian", "2026-03", datetime(2026, 2, 28, 20, 30, tzinfo=UTC), 1),
])
def test_periods_cover_the_range_in_whole_units(grain: str, calendar: str, first: str,
                                                start_utc: datetime, count: int) -> None:
    got = buckets(start=NOWRUZ, end=datetime(2026, 3, 30, 12, tzinfo=UTC), grain=grain,
                  calendar=calendar)  # type: ignore[arg-type]
    assert (got[0].label, got[0].start, len(got)) == (first, start_utc, count)
    assert all(a.end == b.start for a, b in pairwise(got))


def test_jalali_months_have_their_own_lengths() -> None:
    # Farvardin to Shahrivar have 31 days, Mehr to Bahman 30, Esfand 29 (30 in leap years).
    months = buckets(start=NOWRUZ, end=datetime(2027, 3, 20, 12, tzinfo=UTC), grain="month",
                     calendar="jalali")
    lengths = [(m.end - m.start).days for m in months]
    assert [m.label for m in months][:2] == ["1405/01", "1405/02"]
    assert lengths[:6] == [31] * 6 and lengths[6:11] == [30] * 5


def test_a_new_york_day_follows_daylight_saving() -> None:
    days = buckets(start=datetime(2026, 3, 7, 12, tzinfo=UTC),
                   end=datetime(2026, 3, 9, 12, tzinfo=UTC), grain="day",
                   calendar="gregorian", tz="America/New_York")
    assert [(d.end - d.start).total_seconds() / 3600 for d in days] == [24, 23, 24]


@pytest.mark.parametrize(("locale", "calendar"), [("fa", "jalali"), ("en", "gregorian")])
def test_persian_readers_get_the_jalali_calendar(locale: str, calendar: str) -> None:
    assert calendar_for(locale) == calendar


def test_too_many_periods_is_refused() -> None:
    with pytest.raises(BadRequest, match="more than 400 days"):
        buckets(start=datetime(2020, 1, 1, tzinfo=UTC), end=NOWRUZ, grain="day",
                calendar="jalali")
