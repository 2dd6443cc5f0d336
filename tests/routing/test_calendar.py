"""SLA clocks count business time: the Iranian week, Tehran time, Jalali holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from pasokh.routing.calendar import (
    add_business_minutes,
    business_minutes_between,
    is_business_time,
    make_calendar,
)
from pasokh.routing.holidays import iran_holidays, solar_holidays

TEHRAN = ZoneInfo("Asia/Tehran")
IRAN = make_calendar(holidays=[day for day, _, _ in iran_holidays()])


def tehran(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TEHRAN)


@pytest.mark.parametrize(("case", "arrives", "minutes", "due"), [
    # A message at 16:59 on a Wednesday: one minute today, the rest on Thursday morning.
    ("16:59 چهارشنبه / Wednesday 16:59", tehran(2026, 10, 14, 16, 59), 60,
     tehran(2026, 10, 15, 8, 59)),
    # Thursday afternoon is closed (half day ends 13:00); Friday is off: Saturday 08:00.
    ("پنجشنبه عصر / Thursday afternoon", tehran(2026, 10, 15, 15, 0), 60,
     tehran(2026, 10, 17, 9, 0)),
    # Across a Friday: half an hour on Thursday, half an hour on Saturday.
    ("از روی جمعه / across a Friday", tehran(2026, 10, 15, 12, 30), 60,
     tehran(2026, 10, 17, 8, 30)),
    # Friday itself waits for Saturday.
    ("جمعه / on a Friday", tehran(2026, 10, 16, 11, 0), 15, tehran(2026, 10, 17, 8, 15)),
    # On Nowruz (1 Farvardin 1405 = Saturday 21 March 2026): closed until 5 Farvardin.
    ("نوروز / on Nowruz", tehran(2026, 3, 21, 10, 0), 60, tehran(2026, 3, 25, 9, 0)),
    # Thursday before Nowruz: 30 min, then Friday, then four days of Nowruz.
    ("پیش از نوروز / eve of Nowruz", tehran(2026, 3, 19, 12, 30), 60,
     tehran(2026, 3, 25, 8, 30)),
    # Before opening: the clock starts at 08:00.
    ("صبح زود / early morning", tehran(2026, 10, 17, 6, 0), 30, tehran(2026, 10, 17, 8, 30)),
    # A full day is 9 hours; Thursday is 5: 16 hours from Wednesday 08:00 ends Saturday 10:00.
    ("چند روزه / several days", tehran(2026, 10, 14, 8, 0), 16 * 60,
     tehran(2026, 10, 17, 10, 0)),
    # Zero minutes outside hours still means "the next business moment".
    ("صفر دقیقه / zero minutes", tehran(2026, 10, 16, 11, 0), 0, tehran(2026, 10, 17, 8, 0)),
])
def test_deadlines_skip_closed_time(case: str, arrives: datetime, minutes: int,
                                    due: datetime) -> None:
    assert add_business_minutes(IRAN, arrives, minutes) == due, case
    assert business_minutes_between(IRAN, arrives, due) == pytest.approx(minutes), case


def test_utc_input_gives_the_same_instant() -> None:
    arrives = tehran(2026, 10, 14, 16, 59).astimezone(UTC)
    due = add_business_minutes(IRAN, arrives, 60)
    assert due == tehran(2026, 10, 15, 8, 59)
    assert due.tzinfo == UTC


@pytest.mark.parametrize(("at", "open_"), [
    (tehran(2026, 10, 14, 8, 0), True),     # Wednesday opening
    (tehran(2026, 10, 14, 17, 0), False),   # Wednesday closing time is closed
    (tehran(2026, 10, 15, 12, 59), True),   # Thursday before 13:00
    (tehran(2026, 10, 15, 13, 0), False),   # Thursday after the half day
    (tehran(2026, 10, 16, 10, 0), False),   # Friday
    (tehran(2026, 3, 23, 10, 0), False),    # 3 Farvardin
    (tehran(2027, 2, 11, 10, 0), False),    # 22 Bahman 1405, a Thursday
])
def test_business_hours(at: datetime, open_: bool) -> None:
    assert is_business_time(IRAN, at) is open_


def test_between_is_antisymmetric() -> None:
    a, b = tehran(2026, 10, 14, 16, 0), tehran(2026, 10, 17, 9, 0)
    assert business_minutes_between(IRAN, a, b) == 60 + 5 * 60 + 60
    assert business_minutes_between(IRAN, b, a) == -(60 + 5 * 60 + 60)


@pytest.mark.parametrize(("year", "jalali", "gregorian"), [
    (1405, "1 فروردین", date(2026, 3, 21)),
    (1405, "13 فروردین", date(2026, 4, 2)),
    (1405, "14 خرداد", date(2026, 6, 4)),
    (1405, "22 بهمن", date(2027, 2, 11)),
    (1405, "29 اسفند", date(2027, 3, 20)),
    (1406, "1 فروردین", date(2027, 3, 21)),
    (1406, "22 بهمن", date(2028, 2, 11)),
])
def test_solar_holidays_are_fixed_jalali_dates(year: int, jalali: str, gregorian: date) -> None:
    assert gregorian in {day for day, _ in solar_holidays(year)}, jalali


def test_shipped_holidays_cover_both_years_with_verified_lunar_anchors() -> None:
    shipped = {day: (name, kind) for day, name, kind in iran_holidays()}
    assert date(2026, 6, 24) in shipped and "Tasua" in shipped[date(2026, 6, 24)][0]
    assert date(2026, 5, 27) in shipped and "Adha" in shipped[date(2026, 5, 27)][0]
    assert "Eid al-Fitr" in shipped[date(2026, 3, 21)][0]  # merged with Nowruz
    assert all(date(2026, 3, 21) <= day <= date(2028, 3, 19) for day in shipped)
    assert len([k for _, k in shipped.values() if k == "solar"]) == 20


def test_another_country_can_have_its_own_week() -> None:
    berlin = make_calendar(timezone="Europe/Berlin",
                           weekly={str(d): [["09:00", "17:00"]] for d in range(5)})
    friday_16 = datetime(2026, 10, 16, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert add_business_minutes(berlin, friday_16, 120) == \
        datetime(2026, 10, 19, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_calendar_without_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="open hour"):
        make_calendar(weekly={})
