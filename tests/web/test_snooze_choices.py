"""Snooze choices: an hour, three hours, the next working morning and a week on, on the
workspace's calendar — never "tomorrow" when tomorrow is Friday or Nowruz."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from pasokh.i18n import format_moment
from pasokh.inbox.snooze_choices import snooze_choices
from pasokh.routing.calendar import make_calendar
from pasokh.routing.holidays import iran_holidays
from tests.conftest import World
from tests.web.test_desk import push
from tests.web.test_login import login

TEHRAN = ZoneInfo("Asia/Tehran")
IRAN = make_calendar(holidays=[day for day, _, _ in iran_holidays()])


def tehran(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TEHRAN)


@pytest.mark.parametrize(("case", "now", "next_workday", "next_week"), [
    # A Tuesday afternoon: Wednesday 08:00; a week on is Tuesday 08:00.
    ("سه‌شنبه / Tuesday", tehran(2026, 10, 13, 15, 0), tehran(2026, 10, 14, 8),
     tehran(2026, 10, 20, 8)),
    # Thursday evening: Friday is off, so Saturday 08:00; a week on is Thursday morning.
    ("پنجشنبه / Thursday", tehran(2026, 10, 15, 18, 0), tehran(2026, 10, 17, 8),
     tehran(2026, 10, 22, 8)),
    # Eve of Nowruz 1405 (Thursday 19 March 2026): Friday, then Nowruz 1-4 Farvardin are
    # closed; the next working morning is Wednesday 5 Farvardin (25 March). A week on is
    # Thursday 6 Farvardin, a working (half) day.
    ("پیش از نوروز / eve of Nowruz", tehran(2026, 3, 19, 12, 0), tehran(2026, 3, 25, 8),
     tehran(2026, 3, 26, 8)),
])
def test_the_next_working_morning_skips_fridays_and_holidays(
    case: str, now: datetime, next_workday: datetime, next_week: datetime
) -> None:
    choices = {c.key: c.until for c in snooze_choices(IRAN, now)}
    assert choices == {"snooze_1h": tehran(now.year, now.month, now.day, now.hour + 1),
                       "snooze_3h": tehran(now.year, now.month, now.day, now.hour + 3),
                       "snooze_next_workday": next_workday, "snooze_next_week": next_week}, case


def test_every_choice_is_later_than_now_and_they_come_in_order() -> None:
    now = tehran(2026, 12, 7, 9, 30)  # a working Monday morning
    times = [c.until for c in snooze_choices(IRAN, now)]
    assert times == sorted(times) and times[0] > now


def test_a_moment_is_said_by_weekday_in_the_readers_calendar() -> None:
    saturday = tehran(2026, 10, 17, 8)
    assert format_moment(saturday, "fa") == "شنبه ۲۵ مهر، ۰۸:۰۰"
    assert format_moment(saturday, "en") == "Sat 17 Oct, 08:00"


def test_the_conversation_page_offers_the_choices_in_jalali(client: TestClient,
                                                            world: World) -> None:
    sent = push(client, world, "سفارشم کجاست؟", "s1")
    login(client, world, "sara")
    page = client.get(f"/conversations/{sent['conversation_id']}").text
    assert page.count('<option value="20') >= 4  # ISO instants the API takes as they are
    for word in ("یک ساعت دیگر", "سه ساعت دیگر", "روز کاری بعد", "هفتهٔ بعد"):
        assert f">{word} (" in page
    months = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
              "دی", "بهمن", "اسفند")
    labels = re.findall(r'<option value="20[^"]*">([^<]*)</option>', page)
    assert len(labels) == 4 and all(any(m in x for m in months) for x in labels), labels
