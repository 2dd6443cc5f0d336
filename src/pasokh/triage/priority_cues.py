"""Priority cues: hand-written markers of a message's state, for the priority head only.

The urgent/not-urgent line (corpus README, U1–U9 against their "Not U…" notes) is often a
*combination* of ordinary words: money left the customer **and** nothing was received
(U1) vs. money left and the customer disputes a fee (N2); a payment fails **now** vs. it
failed yesterday and then worked (N2); a card is blocked vs. a question about when cards
get blocked (N1). An n-gram model weighs each word on its own. These cues name a few
such states (`p:money`, `p:nothing`, `p:resolved` …) and every pair of them present in a
message (`p:money+nothing`), so a linear head can weigh the combination.

Cues are phrases in the rules' syntax (``rules.PhraseMatcher``: ``word*`` prefix,
``a|b``, ``...`` gap; fa, en and Finglish) matched on the normalised text. The feature
group is ``p:`` (``features.GROUP_PRIORITY``); only the heads listed in
``TrainConfig.priority_heads`` (the priority head) are fitted on it.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

from pasokh.triage.rules import PhraseMatcher, PhraseRule

# cue id → phrases per language (normalised spelling; see rules.py for the syntax)
CUES: dict[str, dict[str, list[str]]] = {
    # money left the customer
    "money": {
        "fa": [
            "کسر*",
            "کم شد*",
            "کم کرد*",
            "کم میکن*",
            "برداشت*",
            "کشید*",
            "پول* ... رفت*",
            "پول* ... گرفت*",
            "پرداخت کرد*",
            "پول* دادم|دادیم",
            "واریز کرد*",
            "تراکنش*",
            "پیامک برداشت*",
        ],
        "en": [
            "charged",
            "charge",
            "charges",
            "debited",
            "debit",
            "deducted",
            "billed",
            "paid",
            "took my|the|<amount>",
            "withdrew",
            "withdrawn",
            "money left",
            "taken from",
        ],
        "fa-latn": ["kam shod*", "kam kard*", "bardasht*", "keshid*", "pardakht kardam"],
    },
    # the thing paid for does not exist / did not arrive / was not credited
    "nothing": {
        "fa": [
            "ثبت نشد*",
            "ثبت نکرد*",
            "صادر نشد*",
            "فعال نشد*",
            "شارژ نشد*",
            "اضافه نشد*",
            "نیومد*",
            "نرسید*",
            "نیامد*",
            "خبری نیست",
            "نداریم",
            "نشون نمیده",
            "پیدا نشد*",
            "برنگشت*",
        ],
        "en": [
            "no order",
            "no booking",
            "no ticket",
            "no confirmation",
            "not registered",
            "never arrived",
            "never came",
            "never received",
            "didn't get",
            "did not get",
            "doesn't show",
            "not showing",
            "isn't showing",
            "not in my account",
            "still shows",
            "never created",
            "not credited",
            "hasn't arrived",
            "not back",
        ],
        "fa-latn": ["sabt nashod*", "nayomad*", "naresid*", "fa'al nashod*", "bargasht"],
    },
    # the customer cannot do something right now
    "blocked": {
        "fa": [
            "نمیتونم",
            "نمیتونیم",
            "نمیتونن",
            "نمیشه",
            "نمیذاره",
            "باز نمیشه",
            "کار نمیکن*",
            "قطع*",
            "وایساد*",
            "خوابید*",
        ],
        "en": [
            "can't",
            "cannot",
            "can not",
            "unable",
            "won't let",
            "won't",
            "not working",
            "doesn't work",
            "keeps failing",
            "stuck",
            "locked out",
            "down",
        ],
        "fa-latn": ["nemitoonam", "nemitoonim", "nemishe", "kar nemikone"],
    },
    # it is happening now / today
    "now": {
        "fa": ["الان", "همین الان", "الآن", "امشب", "امروز", "همین حالا", "فورا", "فوری"],
        "en": ["now", "right now", "tonight", "today", "at the moment", "currently", "asap"],
        "fa-latn": ["alan", "emshab", "emrooz"],
    },
    # it has been going on a while: late, still not done (H2 / H3 wording)
    "still": {
        "fa": [
            "هنوز",
            "روزه",
            "روز پیش",
            "هفته",
            "ماهه",
            "دیر",
            "تاخیر",
            "منتظر*",
        ],
        "en": ["still", "days", "weeks", "week", "late", "delayed", "waiting", "since", "ago"],
        "fa-latn": ["hanooz", "rooze", "montazer*"],
    },
    # it is over, worked on a second try, no money lost (N2 "a problem already solved")
    "resolved": {
        "fa": [
            "درست شد*",
            "حل شد*",
            "برگردوند",
            "برگردوندن",
            "برگشت",
            "بار دوم",
            "دوباره زدم",
            "کم نشد*",
            "کسر نشد*",
            "مشکلی نیست",
            "قبول کرد",
            "انجام شد",
        ],
        "en": [
            "worked",
            "went through",
            "no money lost",
            "no money taken",
            "fixed",
            "resolved",
            "sorted",
            "second try",
            "second tap",
            "back to normal",
            "works now",
            "now works",
            "refunded",
            "reversed",
            "just flagging",
            "fyi",
        ],
        "fa-latn": ["dorost shod*", "hal shod*"],
    },
    # a fee, a renewal, a refund asked for: billing-dispute wording (compare rules.DISPUTE_CUES)
    "dispute": {
        "fa": [
            "کارمزد*",
            "جریمه*",
            "تمدید*",
            "اشتراک*",
            "لغو*",
            "کنسل*",
            "اختلاف*",
            "برگردونید",
            "پس بدید",
            "عودت*",
            "گرون*",
            "قیمت*",
            "هزینه*",
        ],
        "en": [
            "fee",
            "fees",
            "refund*",
            "renew*",
            "subscription*",
            "cancel*",
            "trial",
            "overcharg*",
            "price",
            "interest",
            "plan",
            "reimburse*",
            "money back",
        ],
        "fa-latn": ["karmozd*", "tamdid*", "eshterak*", "cancel*"],
    },
    # a question or a hypothetical, not a report
    "question": {
        "fa": ["اگه", "اگر", "آیا", "ایا", "چطوری", "چطور", "چجوری", "چیه", "میشه بگید"],
        "en": ["if", "what if", "how do", "how can", "is it", "can i", "do i", "does it"],
        "fa-latn": ["chetori", "chejoori"],
    },
    # someone else did it, or the customer did not
    "not_me": {
        "fa": [
            "یکی",
            "کسی",
            "من نبودم",
            "نکردم",
            "ندادم",
            "نداشتم",
            "غیرمجاز",
            "ناشناس",
            "بدون اجازه*",
        ],
        "en": [
            "someone",
            "somebody",
            "not me",
            "wasn't me",
            "never made",
            "didn't make",
            "i didn't",
            "never authorised",
            "never authorized",
            "don't recognise",
            "don't recognize",
            "not mine",
        ],
        "fa-latn": ["yeki", "kasi", "nakardam"],
    },
    # more than once
    "twice": {
        "fa": ["دو بار", "دوبار", "دو تا", "سه بار", "دو برابر"],
        "en": ["twice", "two charges", "double", "2x", "three times", "3 times", "two times"],
        "fa-latn": ["2 bar", "do bar"],
    },
    # a business, a team, all customers
    "business": {
        "fa": ["مشتری*", "شعبه*", "کل", "همه", "فروشگاه*", "کسب و کار*", "کارمند*", "تیم*"],
        "en": ["customers", "whole", "all", "every", "team", "staff", "store", "shop", "branch*"],
        "fa-latn": ["moshtari*", "kole"],
    },
    # a later day: tomorrow, next week (a deadline not today)
    "later": {
        "fa": ["فردا", "هفته بعد", "هفته دیگه", "روز دیگه", "ماه بعد"],
        "en": ["tomorrow", "next week", "next month", "in a few days"],
        "fa-latn": ["farda"],
    },
    # an order, a delivery, a parcel (late or missing orders are H2)
    "order": {
        "fa": ["سفارش*", "ارسال*", "بسته*", "پیک*", "مرسوله*", "تحویل*"],
        "en": ["order", "orders", "delivery", "shipped", "courier", "parcel", "package", "driver"],
        "fa-latn": ["sefaresh*", "baste", "peyk"],
    },
    # travel (lost luggage is H2, stranded is U9)
    "travel": {
        "fa": ["فرودگاه*", "پرواز*", "بلیط*", "بلیت*", "چمدون*", "چمدان*", "هتل*"],
        "en": ["flight", "airport", "luggage", "bag", "suitcase", "check-in", "boarding", "hotel"],
        "fa-latn": ["foroodgah", "parvaz", "chamedoon*"],
    },
    # logging in, codes (H1 unless a payment is under way)
    "login": {
        "fa": ["ورود", "لاگین", "رمز*", "کد*", "وارد"],
        "en": ["login", "log in", "logged", "password", "otp", "code", "2fa", "sign in"],
        "fa-latn": ["ramz*", "login"],
    },
    # paying now: the payment step, the gateway, a card at a till
    "paying": {
        "fa": ["درگاه*", "پرداخت*", "کارتخوان*", "خرید*", "تسویه"],
        "en": ["checkout", "payment", "pay", "gateway", "declined", "card"],
        "fa-latn": ["dargah", "pardakht*"],
    },
    # home line, internet, signal (H1)
    "line": {
        "fa": ["اینترنت*", "مودم*", "خط*", "آنتن*", "وایفای"],
        "en": ["internet", "wifi", "router", "signal", "landline", "modem", "broadband"],
        "fa-latn": ["internet", "modem", "khat*"],
    },
    # an amount of money is named
    "amount": {"fa": ["<amount>"], "en": ["<amount>"]},
}


@lru_cache(maxsize=1)
def cue_matcher() -> PhraseMatcher:
    """Return the matcher of every cue (one PhraseRule per cue, in CUES order)."""
    return PhraseMatcher(
        [PhraseRule(id=cue, reason=cue, level="normal", phrases=p) for cue, p in CUES.items()]
    )


def priority_features(tokens: list[str]) -> list[str]:
    """Return the ``p:`` features of a normalised token list: each cue and each pair of cues."""
    if not tokens:
        return []
    found = sorted(hit.rule.id for hit in cue_matcher().find(" ".join(tokens)))
    feats = ["p:" + c for c in found]
    feats.extend(f"p:{a}+{b}" for a, b in combinations(found, 2))
    return feats
