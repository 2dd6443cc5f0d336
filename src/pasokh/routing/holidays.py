"""Iran's public holidays shipped for Jalali 1405 and 1406; admins edit the stored copy.

Solar holidays are fixed Jalali dates and are converted with persiantools.

Lunar (Hijri) holidays move every year; Iran fixes them by crescent sighting, so the
printed official calendar (شورای فرهنگ عمومی / مؤسسه ژئوفیزیک دانشگاه تهران) is the
authority. Source of the verified 1405 anchors: the official 1405 calendar as summarised
by ILNA (news 1707051, 2025-10-30): 30 Ramadan 1447 = 29 Esfand 1404, Eid al-Fitr =
1 Farvardin 1405, Eid al-Adha = 6 Khordad, Ghadir = 14 Khordad, Tasua = 3 Tir, Ashura =
4 Tir. The other lunar dates are computed from those anchors with the mean synodic
month (29.530589 days) and may be one day off: they are marked `verified=False` and
docs/routing.md asks admins to check them against the printed calendar.

Checked again (issue 4 follow-up) against the same ILNA report, https://www.ilna.ir/ news
1707051 «سال ۱۴۰۵ چند روز تعطیل رسمی دارد؟» (2025-10-30), which also gives totals:
25 official holidays in 1405; Farvardin 6, Ordibehesht 0, Mordad 4, Mehr 0, Azar 0,
Esfand 4; 6 of them on a Thursday and 3 on a Friday. Its Farvardin list is 1-4, 12, 13
only, so 25 Shawwal (martyrdom of Imam Sadiq, 25 Farvardin 1405) is *not* an official
holiday in the printed 1405 calendar: removed for 1405. With it removed, the list below
has 25 days and every month count matches, but it has 4 Thursdays and 4 Fridays instead
of 6 and 3, so at least two computed dates are still a day off. One is forced by our own
dates: the martyrdom of Imam Reza is marked on the last day of Safar, the day before
1 Rabi' al-Awwal; Askari (8 Rabi' I, 2026-08-21) and the Prophet's birthday (17 Rabi' I,
2026-08-30) both put 1 Rabi' I on 2026-08-14, so Imam Reza is Thursday 2026-08-13, not
Friday 08-14 (this also brings the Fridays to 3). The last missing Thursday could not be
identified from public summaries (candidates: Eid al-Fitr 1447's second day, Fatimah,
15 Sha'ban), so those dates stay unverified. 1406's official calendar was not found
(it is published in the autumn before the year): every 1406 lunar date is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from persiantools.jdatetime import JalaliDate

SOLAR: tuple[tuple[int, int, str], ...] = (
    (1, 1, "نوروز / Nowruz"), (1, 2, "نوروز / Nowruz"), (1, 3, "نوروز / Nowruz"),
    (1, 4, "نوروز / Nowruz"),
    (1, 12, "روز جمهوری اسلامی / Islamic Republic Day"),
    (1, 13, "روز طبیعت / Nature Day"),
    (3, 14, "رحلت امام خمینی / Death of Khomeini"),
    (3, 15, "قیام ۱۵ خرداد / 15 Khordad uprising"),
    (11, 22, "پیروزی انقلاب اسلامی / Revolution Day"),
    (12, 29, "ملی شدن صنعت نفت / Oil nationalisation"),
)


@dataclass(frozen=True)
class LunarHoliday:
    day: date
    name: str
    verified: bool


LUNAR: tuple[LunarHoliday, ...] = (
    # Jalali 1405 (2026-03-21 .. 2027-03-20)
    LunarHoliday(date(2026, 3, 21), "عید فطر / Eid al-Fitr", True),
    LunarHoliday(date(2026, 3, 22), "تعطیل عید فطر / Eid al-Fitr holiday", True),
    # 25 Shawwal 1447 (2026-04-14) is not in ILNA's list of the 1405 calendar: not shipped.
    LunarHoliday(date(2026, 5, 27), "عید قربان / Eid al-Adha", True),
    LunarHoliday(date(2026, 6, 4), "عید غدیر / Eid al-Ghadir", True),
    LunarHoliday(date(2026, 6, 24), "تاسوعا / Tasua", True),
    LunarHoliday(date(2026, 6, 25), "عاشورا / Ashura", True),
    LunarHoliday(date(2026, 8, 4), "اربعین / Arbaeen", False),
    LunarHoliday(date(2026, 8, 12), "رحلت پیامبر و شهادت امام حسن / Demise of the Prophet",
                 False),
    # The day before 1 Rabi' al-Awwal (see the module note); was 2026-08-14.
    LunarHoliday(date(2026, 8, 13), "شهادت امام رضا / Martyrdom of Imam Reza", False),
    LunarHoliday(date(2026, 8, 21), "شهادت امام حسن عسکری / Martyrdom of Imam Askari", False),
    LunarHoliday(date(2026, 8, 30), "میلاد پیامبر / Birth of the Prophet", False),
    LunarHoliday(date(2026, 11, 13), "شهادت حضرت فاطمه / Martyrdom of Fatimah", False),
    LunarHoliday(date(2026, 12, 22), "ولادت امام علی / Birth of Imam Ali", False),
    LunarHoliday(date(2027, 1, 5), "مبعث / Mab'ath", False),
    LunarHoliday(date(2027, 1, 23), "ولادت امام مهدی / Birth of Imam Mahdi", False),
    LunarHoliday(date(2027, 2, 27), "شهادت امام علی / Martyrdom of Imam Ali", False),
    LunarHoliday(date(2027, 3, 9), "عید فطر / Eid al-Fitr", False),
    LunarHoliday(date(2027, 3, 10), "تعطیل عید فطر / Eid al-Fitr holiday", False),
    # Jalali 1406 (2027-03-21 .. 2028-03-19): all computed, none verified yet. 25 Shawwal
    # is kept for 1406 (it was official until 1404); check it against the 1406 calendar.
    LunarHoliday(date(2027, 4, 2), "شهادت امام صادق / Martyrdom of Imam Sadiq", False),
    LunarHoliday(date(2027, 5, 16), "عید قربان / Eid al-Adha", False),
    LunarHoliday(date(2027, 5, 24), "عید غدیر / Eid al-Ghadir", False),
    LunarHoliday(date(2027, 6, 13), "تاسوعا / Tasua", False),
    LunarHoliday(date(2027, 6, 14), "عاشورا / Ashura", False),
    LunarHoliday(date(2027, 7, 24), "اربعین / Arbaeen", False),
    LunarHoliday(date(2027, 8, 1), "رحلت پیامبر و شهادت امام حسن / Demise of the Prophet",
                 False),
    # The day before 1 Rabi' al-Awwal, as for 1405 (Askari and the Prophet's birthday below
    # put it on 2027-08-03); was 2027-08-03.
    LunarHoliday(date(2027, 8, 2), "شهادت امام رضا / Martyrdom of Imam Reza", False),
    LunarHoliday(date(2027, 8, 10), "شهادت امام حسن عسکری / Martyrdom of Imam Askari", False),
    LunarHoliday(date(2027, 8, 19), "میلاد پیامبر / Birth of the Prophet", False),
    LunarHoliday(date(2027, 11, 2), "شهادت حضرت فاطمه / Martyrdom of Fatimah", False),
    LunarHoliday(date(2027, 12, 12), "ولادت امام علی / Birth of Imam Ali", False),
    LunarHoliday(date(2027, 12, 26), "مبعث / Mab'ath", False),
    LunarHoliday(date(2028, 1, 12), "ولادت امام مهدی / Birth of Imam Mahdi", False),
    LunarHoliday(date(2028, 2, 17), "شهادت امام علی / Martyrdom of Imam Ali", False),
    LunarHoliday(date(2028, 2, 26), "عید فطر / Eid al-Fitr", False),
    LunarHoliday(date(2028, 2, 27), "تعطیل عید فطر / Eid al-Fitr holiday", False),
)

SHIPPED_YEARS = (1405, 1406)


def _gregorian(year: int, month: int, day: int) -> date:
    result: date = JalaliDate(year, month, day).to_gregorian()  # type: ignore[no-untyped-call]
    return result


def _jalali_year(day: date) -> int:
    year: int = JalaliDate(day).year  # type: ignore[no-untyped-call]
    return year


def solar_holidays(jalali_year: int) -> list[tuple[date, str]]:
    """The fixed-date holidays of one Jalali year, as Gregorian dates."""
    return [(_gregorian(jalali_year, month, day), name) for month, day, name in SOLAR]


def iran_holidays(years: tuple[int, ...] = SHIPPED_YEARS) -> list[tuple[date, str, str]]:
    """Shipped holidays as (day, name, kind); a solar and a lunar one on the same day merge."""
    merged: dict[date, tuple[str, str]] = {}
    for year in years:
        for day, name in solar_holidays(year):
            merged[day] = (name, "solar")
    for lunar in LUNAR:
        if _jalali_year(lunar.day) in years:
            name, kind = merged.get(lunar.day, ("", "lunar"))
            merged[lunar.day] = (f"{name}؛ {lunar.name}" if name else lunar.name, kind)
    return [(day, name, kind) for day, (name, kind) in sorted(merged.items())]
