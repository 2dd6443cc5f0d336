"""Persian and English words of the UI, Jalali dates and Persian digits."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from persiantools import digits
from persiantools.jdatetime import JalaliDate, JalaliDateTime

WORDS: dict[str, dict[str, str]] = {
    "fa": {
        "app": "پاسخ", "login": "ورود", "logout": "خروج", "email": "ایمیل",
        "password": "گذرواژه", "workspace": "فضای کاری", "inbox": "صندوق پیام‌ها",
        "customer": "مشتری", "channel": "کانال", "waiting": "در انتظار",
        "last_message": "آخرین پیام", "no_conversations": "گفت‌وگویی نیست.",
        "urgent": "فوری", "high": "زیاد", "normal": "عادی", "low": "کم",
        "feedback": "بازخورد", "complaint": "شکایت", "question": "پرسش",
        "technical": "فنی", "request": "درخواست", "other": "سایر",
        "positive": "مثبت", "neutral": "خنثی", "negative": "منفی",
        "open": "باز", "pending": "در انتظار مشتری", "snoozed": "به تعویق", "resolved": "حل‌شده",
        "priority": "اولویت", "category": "دسته", "sentiment": "احساس", "status": "وضعیت",
        "login_failed": "ایمیل یا گذرواژه درست نیست.", "messages": "پیام",
    },
    "en": {
        "app": "Pasokh", "login": "Log in", "logout": "Log out", "email": "E-mail",
        "password": "Password", "workspace": "Workspace", "inbox": "Inbox",
        "customer": "Customer", "channel": "Channel", "waiting": "Waiting",
        "last_message": "Last message", "no_conversations": "No conversations.",
        "urgent": "Urgent", "high": "High", "normal": "Normal", "low": "Low",
        "feedback": "Feedback", "complaint": "Complaint", "question": "Question",
        "technical": "Technical", "request": "Request", "other": "Other",
        "positive": "Positive", "neutral": "Neutral", "negative": "Negative",
        "open": "Open", "pending": "Pending", "snoozed": "Snoozed", "resolved": "Resolved",
        "priority": "Priority", "category": "Category", "sentiment": "Sentiment",
        "status": "Status", "login_failed": "The e-mail or the password is wrong.",
        "messages": "messages",
    },
}


def word(locale: str, key: str) -> str:
    """The UI word for `key` in `locale`, falling back to the key itself."""
    return WORDS.get(locale, WORDS["en"]).get(key, key)


def direction(locale: str) -> str:
    """Text direction of a locale."""
    return "rtl" if locale == "fa" else "ltr"


def local_digits(text: str, locale: str) -> str:
    """Persian digits for the fa locale."""
    return digits.en_to_fa(text) if locale == "fa" else text


def format_datetime(value: datetime | None, locale: str, tz: str = "Asia/Tehran") -> str:
    """A date and time the reader expects: Jalali with Persian digits in fa, ISO-like in en."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    if locale == "fa":
        jalali = JalaliDateTime.to_jalali(local.replace(tzinfo=None))  # type: ignore[no-untyped-call]
        return digits.en_to_fa(jalali.strftime("%Y/%m/%d %H:%M"))
    return local.strftime("%Y-%m-%d %H:%M")


def format_moment(value: datetime, locale: str, tz: str = "Asia/Tehran") -> str:
    """A near moment by weekday: «شنبه ۱۵ آذر، ۰۸:۰۰» in fa, "Sat 6 Dec, 08:00" in en."""
    local = value.astimezone(ZoneInfo(tz))
    if locale == "fa":
        jalali = JalaliDate(local.date())  # type: ignore[no-untyped-call]
        text = f"{jalali.strftime('%A', locale='fa')} {jalali.day} " \
               f"{jalali.strftime('%B', locale='fa')}، {local:%H:%M}"
        return str(digits.en_to_fa(text))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def format_duration(seconds: float, locale: str) -> str:
    """A short waiting time: 45m, 3h 10m, 2d 4h (in Persian words for fa)."""
    minutes = int(seconds // 60)
    days, rem = divmod(minutes, 1440)
    hours, mins = divmod(rem, 60)
    if locale == "fa":
        parts = [f"{days} روز" if days else "", f"{hours} ساعت" if hours else "",
                 f"{mins} دقیقه" if mins and not days else ""]
        return digits.en_to_fa(" و ".join(p for p in parts if p) or "کمتر از ۱ دقیقه")
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "",
             f"{mins}m" if mins and not days else ""]
    return " ".join(p for p in parts if p) or "<1m"


def format_date(value: date, locale: str) -> str:
    """A calendar day: «شنبه ۱ فروردین ۱۴۰۵» in fa, "Sat 2026-03-21" in en."""
    if locale == "fa":
        jalali = JalaliDate(value)  # type: ignore[no-untyped-call]
        text = f"{jalali.strftime('%A', locale='fa')} {jalali.day} " \
               f"{jalali.strftime('%B', locale='fa')} {jalali.year}"
        return str(digits.en_to_fa(text))
    return value.strftime("%a %Y-%m-%d")


def jalali_date(value: date) -> str:
    """The Jalali day in Latin letters, e.g. "1 Farvardin 1405" (a hint beside English)."""
    jalali = JalaliDate(value)  # type: ignore[no-untyped-call]
    return f"{jalali.day} {jalali.strftime('%B', locale='en')} {jalali.year}"


_DAY = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")


def parse_day(text: str) -> date:
    """A date typed by a person: Jalali (1405/01/15) or Gregorian (2026-04-04), any digits."""
    found = _DAY.match(digits.fa_to_en(digits.ar_to_fa(text.strip())))
    if not found:
        raise ValueError(f"'{text[:40]}' is not a date")
    year, month, day = (int(g) for g in found.groups())
    if year < 1700:  # a Jalali year (1405 is 2026); Gregorian years here are ≥ 1700
        result: date = JalaliDate(year, month, day).to_gregorian()  # type: ignore[no-untyped-call]
        return result
    return date(year, month, day)
