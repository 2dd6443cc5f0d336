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
from itertools import combinations, product
from typing import Any

from pasokh.triage.rules import GAP_WORDS, latin_key, phrase_slots

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


class CueMatcher:
    """The cues of a message, found by one scan of its tokens.

    Same matching as a ``rules.PhraseMatcher`` holding every cue phrase (``word*`` prefix,
    ``a|b`` alternatives, ``...`` a gap of up to ``rules.GAP_WORDS`` words; Finglish
    phrases by the rules' spelling key on the Latin words; a test checks the two agree),
    but cheaper for many short phrases: each distinct token's one-word cues and the
    phrases it can start are looked up once and cached, and only those phrases are
    checked against the words that follow.
    """

    def __init__(self, cues: dict[str, dict[str, list[str]]]) -> None:
        self.ids = list(cues)
        # [native, Finglish]: first word (exact or prefix) -> phrases as (words, cue), where
        # words are (word, prefix?, gap before?) from the second word on
        self.exact: tuple[dict[str, list[_Phrase]], ...] = ({}, {})
        self.prefix: tuple[dict[str, list[_Phrase]], ...] = ({}, {})
        for i, phrases in enumerate(cues.values()):
            for lang, items in phrases.items():
                latin = int(lang == "fa-latn")
                for phrase in items:
                    for first, first_prefix, rest in _expand(phrase, finglish=bool(latin)):
                        table = self.prefix if first_prefix else self.exact
                        table[latin].setdefault(first, []).append((rest, i))
        self.prefix_lengths = tuple(sorted({len(w) for w in t}) for t in self.prefix)
        self._cache: tuple[dict[str, list[_Phrase]], ...] = ({}, {})

    def _starting(self, token: str, latin: int) -> list[_Phrase]:
        """The phrases a token can start (Finglish: by its spelling key), cached by token."""
        cache = self._cache[latin]
        found = cache.get(token)
        if found is None:
            if len(cache) >= 100_000:
                cache.clear()  # bounded; frequent tokens come straight back
            word = latin_key(token) if latin else token
            found = list(self.exact[latin].get(word, ()))
            table = self.prefix[latin]
            for n in self.prefix_lengths[latin]:
                if n > len(word):
                    break
                found.extend(table.get(word[:n], ()))
            cache[token] = found
        return found

    def _scan(self, tokens: list[str], latin: int, found: set[int]) -> None:
        cache = self._cache[latin]
        words: list[str] | None = None
        for i, token in enumerate(tokens):
            phrases = cache.get(token)
            if phrases is None:
                phrases = self._starting(token, latin)
            for rest, cue in phrases:
                if cue in found:
                    continue
                if rest and words is None:
                    words = [latin_key(t) for t in tokens] if latin else tokens
                if not rest or (words is not None and _follows(words, i + 1, rest)):
                    found.add(cue)

    def find(self, tokens: list[str]) -> tuple[str, ...]:
        """Return the ids of the cues present in a normalised token list, sorted."""
        found: set[int] = set()
        self._scan(tokens, 0, found)
        latin = [t for t in tokens if t.isascii() and t.isalpha()]
        if latin:
            self._scan(latin, 1, found)
        return tuple(sorted(self.ids[i] for i in found))


# a phrase after its first word: ((word, prefix?, gap before?), ...), and its cue's index
_Phrase = tuple[tuple[tuple[str, bool, bool], ...], int]


def _expand(phrase: str, *, finglish: bool) -> list[tuple[str, bool, tuple[Any, ...]]]:
    """Return (first word, prefix?, rest) for each spelling of a phrase (a|b expanded)."""
    slots = phrase_slots(phrase, finglish=finglish)
    out = []
    for combo in product(*(alts for alts, _, _ in slots)):
        rest = tuple((w, p, g) for w, (_, p, g) in zip(combo[1:], slots[1:], strict=True))
        out.append((combo[0], slots[0][1], rest))
    return out


def _follows(words: list[str], start: int, rest: tuple[tuple[str, bool, bool], ...]) -> bool:
    """True if the words from `start` on match `rest` (with gaps of up to GAP_WORDS words)."""
    word, prefix, gap = rest[0]
    last = min(len(words), start + GAP_WORDS + 1) if gap else min(len(words), start + 1)
    for j in range(start, last):
        w = words[j]
        if (w == word or (prefix and w.startswith(word))) and (
            len(rest) == 1 or _follows(words, j + 1, rest[1:])
        ):
            return True
    return False


@lru_cache(maxsize=1)
def cue_matcher() -> CueMatcher:
    """Return the matcher of every cue in CUES."""
    return CueMatcher(CUES)


def found_cues(tokens: list[str]) -> tuple[str, ...]:
    """Return the cues present in a normalised token list, sorted."""
    if not tokens:
        return ()
    return cue_matcher().find(tokens)


def cue_features(found: tuple[str, ...]) -> list[str]:
    """Return the ``p:`` features of a set of cues: each cue and each pair of cues."""
    feats = ["p:" + c for c in found]
    feats.extend(f"p:{a}+{b}" for a, b in combinations(found, 2))
    return feats


def priority_features(tokens: list[str]) -> list[str]:
    """Return the ``p:`` features of a normalised token list: each cue and each pair of cues."""
    return cue_features(found_cues(tokens))
