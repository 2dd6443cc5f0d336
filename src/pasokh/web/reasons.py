"""Priority reasons in the reader's language.

Triage stores its reasons as English sentences (the API's contract, and what a log or an
export shows). A Persian page says them in Persian: the forms the priority stage writes
are recognised here and re-said; a reason a supervisor wrote into a custom rule is shown
as written.
"""

from __future__ import annotations

import re

from pasokh import i18n

# The shipped rules' reasons (triage/default_rules.json).
RULE_REASONS_FA = {
    "money taken but no order or service": "پول کسر شده ولی سفارش یا خدمتی ثبت نشده",
    "payment failure blocks a purchase": "خطای پرداخت جلوی خرید را گرفته",
    "account hacked or taken over": "حساب هک یا تصاحب شده",
    "card or account blocked": "کارت یا حساب مسدود شده",
    "unauthorised transaction": "تراکنش بدون اجازهٔ مشتری",
    "card or phone lost or stolen": "کارت یا گوشی گم یا دزدیده شده",
    "customer stranded while travelling": "مشتری در سفر سرگردان مانده",
    "danger or harm in everyday words (gas, smoke, sparks, swallowed, fainted)":
        "خطر یا آسیب (بوی گاز، دود، جرقه، بلعیدن، غش)",
    "deadline today (rent, salary, departure)": "مهلتی که امروز تمام می‌شود (اجاره، حقوق، پرواز)",
    "health or safety at risk (food poisoning, allergy, injury)":
        "سلامت یا ایمنی در خطر (مسمومیت، حساسیت، آسیب)",
    "personal or confidential data exposed": "اطلاعات شخصی یا محرمانه لو رفته",
    "service down for a business, losing sales": "سرویس یک کسب‌وکار از کار افتاده و فروشش می‌سوزد",
    "threat of legal action or press": "تهدید به شکایت قانونی یا رسانه",
    "a loan, contract, line or account opened in the customer's name":
        "وام، قرارداد، خط یا حسابی به نام مشتری باز شده",
    "billing dispute wording": "اعتراض به صورت‌حساب",
}
UNITS_FA = {"min": "دقیقه", "h": "ساعت", "d": "روز"}
ORDINALS_FA = {1: "نخستین", 2: "دومین", 3: "سومین", 4: "چهارمین", 5: "پنجمین"}

_MODEL = re.compile(r"^model rates it (\w+) \((\d+)%\): (\w+) (\w+)$")
_RULE = re.compile(r'^(.+): "(.*)"$', re.S)
_REACH = re.compile(r"^public post, ([\d,]+) likes$")
_WAIT = re.compile(r"^waiting (\d+) (min|h|d)$")
_REPEAT = re.compile(r"^(\d+)(?:st|nd|rd|th) contact in 7 days$")


def say_reason(reason: str, locale: str) -> str:
    """`reason` as a `locale` reader should read it (English reasons stay as they are)."""
    if locale != "fa":
        return reason
    return i18n.local_digits(_fa(reason), "fa")


def _fa(reason: str) -> str:
    if found := _MODEL.match(reason):
        level, p, sentiment, category = found.groups()
        return (f"مدل آن را {i18n.word('fa', level)} می‌داند ({p}٪): "
                f"{i18n.word('fa', category)}، {i18n.word('fa', sentiment)}")
    if reason == "VIP customer":
        return "مشتری ویژه"
    if found := _REACH.match(reason):
        return f"پست عمومی با {found.group(1).replace(',', '٬')} پسند"
    if found := _WAIT.match(reason):
        return f"{found.group(1)} {UNITS_FA[found.group(2)]} در انتظار"
    if found := _REPEAT.match(reason):
        n = int(found.group(1))
        return f"{ORDINALS_FA.get(n, f'{n}مین')} تماس در ۷ روز"
    if found := _RULE.match(reason):
        why, matched = found.groups()
        return f"{RULE_REASONS_FA.get(why, why)}: «{matched}»"
    return RULE_REASONS_FA.get(reason, reason)
