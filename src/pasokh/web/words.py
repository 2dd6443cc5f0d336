"""The agent desk's UI words in Persian and English (the shared ones live in i18n.py)."""

from __future__ import annotations

from typing import TypeVar

from pasokh import i18n
from pasokh.errors import PasokhError
from pasokh.web.admin_words import ADMIN_WORDS

E = TypeVar("E", bound=PasokhError)

DESK_WORDS: dict[str, dict[str, str]] = {
    "fa": {
        "mine": "مال من", "team": "تیم من", "unassigned": "بدون مسئول", "all": "همه",
        "review": "نیاز به بازبینی",
        "unresolved": "حل‌نشده", "search": "جست‌وجو", "search_hint": "نام، متن پیام…",
        "filter": "اعمال", "clear": "پاک کردن", "any": "همه", "language": "زبان",
        "assignee": "مسئول", "nobody": "هیچ‌کس", "views": "نماها", "filters": "پالایه‌ها",
        "more": "بیشتر", "reasons": "دلیل‌ها", "vip": "مشتری ویژه",
        "thread": "گفت‌وگو", "customer_card": "کارت مشتری", "identities": "راه‌های ارتباط",
        "open_tickets": "تیکت‌های باز", "past_conversations": "گفت‌وگوهای پیشین",
        "no_past": "گفت‌وگوی دیگری نیست.", "reply": "پاسخ", "send_reply": "ارسال پاسخ",
        "note": "یادداشت داخلی", "add_note": "ثبت یادداشت", "template": "الگوی پاسخ",
        "template_search": "جست‌وجوی الگو", "choose_template": "انتخاب الگو…",
        "suggested": "پیشنهادی", "assign": "واگذاری", "save": "ذخیره", "resolve": "حل شد",
        "reopen": "بازگشایی", "mark_pending": "در انتظار مشتری", "snooze": "به تعویق",
        "why_priority": "چرا این اولویت:", "needs_review": "نیاز به بازبینی",
        "needs_review_hint": "مدل مطمئن نیست؛ اگر دسته یا اولویت درست نیست اصلاحش کنید.",
        "snooze_until": "تا", "snooze_1h": "یک ساعت دیگر", "snooze_3h": "سه ساعت دیگر",
        "snooze_next_workday": "روز کاری بعد", "snooze_next_week": "هفتهٔ بعد",
        "snooze_other": "زمان دیگر", "snooze_until_exact": "تا این زمان (تقویم میلادی مرورگر)",
        "correct_triage": "اصلاح دسته و اولویت",
        "corrected": "اصلاح‌شده", "public": "عمومی", "private": "خصوصی",
        "internal_note": "یادداشت داخلی", "agent": "کارشناس", "bot": "ربات",
        "system": "سیستم", "back_to_inbox": "بازگشت به صندوق", "live": "زنده",
        "shortcuts": "میان‌برها: r پاسخ · n یادداشت · e حل شد · j/k حرکت در فهرست",
        "reply_to": "پاسخ روی", "language_choice": "English", "satisfaction": "رضایت",
        "conversation": "گفت‌وگو", "messages_count": "پیام", "first_message": "نخستین پیام",
        "fa": "فارسی", "en": "انگلیسی", "ar": "عربی", "ticket": "تیکت",
        "collision": "همکار دیگری هم این گفت‌وگو را باز کرده است.",
        "new_activity": "فعالیت تازه", "error": "خطا",
        "mentioned_in": "از شما یاد شد در گفت‌وگوی", "convert_to_ticket": "تبدیل به تیکت",
        "merge_into": "ادغام در گفت‌وگوی",
        "merged_into": "این گفت‌وگو در گفت‌وگوی دیگری ادغام شده و پیام‌هایش آن‌جاست:",
        "merged_badge": "ادغام‌شده در",
        "merge": "ادغام", "sla_left": "مهلت پاسخ:", "sla_overdue": "دیرکرد:",
        "settings": "تنظیمات", "name": "نام", "slug": "شناسه", "timezone": "منطقه زمانی",
        "people": "همکاران", "role": "نقش", "teams": "تیم‌ها", "templates": "الگوهای پاسخ",
        "variables": "متغیرها", "delete": "حذف", "new_template": "الگوی تازه", "add": "افزودن",
        "text": "متن", "role_admin": "مدیر", "role_supervisor": "سرپرست",
        "role_agent": "کارشناس", "role_analyst": "تحلیلگر", "analytics": "گزارش‌ها",
    },
    "en": {
        "mine": "Mine", "team": "My team", "unassigned": "Unassigned", "all": "All",
        "review": "To review",
        "unresolved": "Unresolved", "search": "Search", "search_hint": "name, message text…",
        "filter": "Apply", "clear": "Clear", "any": "Any", "language": "Language",
        "assignee": "Assignee", "nobody": "Nobody", "views": "Views", "filters": "Filters",
        "more": "More", "reasons": "Reasons", "vip": "VIP customer",
        "thread": "Conversation", "customer_card": "Customer", "identities": "Identities",
        "open_tickets": "Open tickets", "past_conversations": "Past conversations",
        "no_past": "No other conversations.", "reply": "Reply", "send_reply": "Send reply",
        "note": "Internal note", "add_note": "Add note", "template": "Template",
        "template_search": "Search templates", "choose_template": "Choose a template…",
        "suggested": "suggested", "assign": "Assign", "save": "Save", "resolve": "Resolve",
        "reopen": "Reopen", "mark_pending": "Pending", "snooze": "Snooze",
        "why_priority": "Why this priority:", "needs_review": "needs review",
        "needs_review_hint": "The model is unsure; correct the category or priority if wrong.",
        "snooze_until": "until", "snooze_1h": "In an hour", "snooze_3h": "In three hours",
        "snooze_next_workday": "Next working day", "snooze_next_week": "Next week",
        "snooze_other": "Another time", "snooze_until_exact": "Until this time",
        "correct_triage": "Correct category and priority",
        "corrected": "corrected", "public": "public", "private": "private",
        "internal_note": "internal note", "agent": "Agent", "bot": "Bot",
        "system": "System", "back_to_inbox": "Back to inbox", "live": "live",
        "shortcuts": "Shortcuts: r reply · n note · e resolve · j/k move in the list",
        "reply_to": "Reply on", "language_choice": "فارسی", "satisfaction": "Satisfaction",
        "conversation": "Conversation", "messages_count": "messages",
        "first_message": "First message", "fa": "Persian", "en": "English", "ar": "Arabic",
        "ticket": "Ticket", "collision": "A colleague has this conversation open too.",
        "new_activity": "New activity", "error": "Error",
        "mentioned_in": "You were mentioned in conversation",
        "convert_to_ticket": "Convert to ticket", "merge_into": "Merge into conversation",
        "merged_into": "This conversation was merged into another; its messages are there:",
        "merged_badge": "merged into",
        "merge": "Merge", "sla_left": "Answer due in", "sla_overdue": "Overdue by",
        "settings": "Settings", "name": "Name", "slug": "Slug", "timezone": "Time zone",
        "people": "People", "role": "Role", "teams": "Teams", "templates": "Reply templates",
        "variables": "Variables", "delete": "Delete", "new_template": "New template",
        "add": "Add", "text": "Text", "role_admin": "Admin", "role_supervisor": "Supervisor",
        "role_agent": "Agent", "role_analyst": "Analyst", "analytics": "Analytics",
    },
}


def refusal(kind: type[E], key: str) -> E:
    """An error of `kind` that says the UI sentence `key`: English, with its Persian beside it
    (the reader's language is chosen when it is shown)."""
    return kind(word("en", key), fa=word("fa", key))


def word(locale: str, key: str) -> str:
    """The desk's (or the supervisor pages') word for `key`, else the shared vocabulary's."""
    return (DESK_WORDS.get(locale, DESK_WORDS["en"]).get(key)
            or ADMIN_WORDS.get(locale, ADMIN_WORDS["en"]).get(key) or i18n.word(locale, key))
