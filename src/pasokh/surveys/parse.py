"""Read a survey score from a customer's free-text reply, or keep the reply as a comment.

Pure and conservative: a reply becomes a score only when exactly one reading is possible
(digits in Persian, Arabic or Latin, a rating word, stars or an emoji). Anything else —
two numbers, an out-of-range number, a negated word — is kept as a comment, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "\u200c": " ", "ـ": None})

# Rating words per survey. NPS asks "how likely, 0-10": a word is not an answer to that.
WORDS: dict[str, dict[str, int]] = {
    "csat": {
        "خیلی بد": 1, "افتضاح": 1, "خیلی ضعیف": 1, "بد": 2, "ضعیف": 2, "متوسط": 3,
        "معمولی": 3, "خوب": 4, "خیلی خوب": 5, "عالی": 5, "عالیه": 5, "فوق العاده": 5,
        "very bad": 1, "terrible": 1, "awful": 1, "bad": 2, "poor": 2, "ok": 3, "okay": 3,
        "average": 3, "good": 4, "very good": 5, "great": 5, "excellent": 5, "amazing": 5,
    },
    "ces": {
        "خیلی سخت": 1, "سخت": 2, "معمولی": 4, "آسان": 6, "راحت": 6, "خیلی آسان": 7,
        "خیلی راحت": 7, "very difficult": 1, "very hard": 1, "difficult": 2, "hard": 2,
        "easy": 6, "very easy": 7,
    },
    "nps": {},
}
EMOJI: dict[str, int] = {
    "😡": 1, "😠": 1, "🤬": 1, "😭": 1, "😞": 2, "🙁": 2, "☹": 2, "😕": 2, "👎": 2,
    "😐": 3, "😶": 3, "🙂": 4, "😊": 4, "😀": 4, "👍": 4, "😃": 4, "😍": 5, "🤩": 5,
    "🥰": 5, "❤": 5, "👏": 5,
}
STARS = ("⭐", "★", "🌟")
NEGATIONS = re.compile(r"(?<!\w)(نه|نبود|نیست|نبودش|not|never|no)(?!\w)|n't")
# Words that carry no opinion of their own beside a score ("5 stars", "امتیاز ۵").
FILLER = {"از", "ستاره", "امتیاز", "نمره", "star", "stars", "out", "of", "score", "points",
          "میدم", "می دم", "میدهم", "می دهم", "i", "give", "it", "a"}
_NUMBER = re.compile(r"\d+(?:[.,٫/]\d+)?")
_OUT_OF = re.compile(r"(\d+)\s*(?:/|از|out of|of)\s*(\d+)")


@dataclass(frozen=True)
class Answer:
    """A parsed reply: a score when it could be read, the text as a comment otherwise."""

    score: int | None
    comment: str | None


def normalise(text: str) -> str:
    """Latin digits, Persian letters folded, lower case, single spaces."""
    folded = text.translate(_DIGITS).translate(_LETTERS).lower()
    return " ".join(folded.split())


def _words(text: str, kind: str) -> tuple[list[int], str]:
    found: list[int] = []
    for phrase in sorted(WORDS[kind], key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")
        if pattern.search(text):
            found.append(WORDS[kind][phrase])
            text = pattern.sub(" ", text)
    return found, text


def _numbers(text: str, top: int) -> tuple[list[int], bool, str]:
    """Scores written as digits; `bad` when a number cannot be a score on this scale."""
    found: list[int] = []
    bad = False
    for match in _OUT_OF.finditer(text):
        if int(match.group(2)) != top:
            bad = True
        found.append(int(match.group(1)))
    text = _OUT_OF.sub(" ", text)
    for match in _NUMBER.finditer(text):
        if not match.group().isdigit():
            bad = True  # 4.5 or 3/4: not a whole answer on the scale
        else:
            found.append(int(match.group()))
    return found, bad, _NUMBER.sub(" ", text)


def _symbols(text: str, kind: str) -> tuple[list[int], str]:
    if kind != "csat":
        return [], text
    found: list[int] = []
    stars = sum(text.count(s) for s in STARS)
    if stars:
        found.append(stars)
    for emoji, score in EMOJI.items():
        if emoji in text:
            found.append(score)
    for symbol in (*STARS, *EMOJI, "\ufe0f"):
        text = text.replace(symbol, " ")
    return found, text


def parse_answer(text: str, kind: str) -> Answer:
    """Read `text` as an answer to a `kind` survey (csat 1–5, nps 0–10, ces 1–7)."""
    low, top = SCALES[kind]
    raw = text.strip()
    if not raw:
        return Answer(None, None)
    norm = normalise(raw)
    negated = bool(NEGATIONS.search(norm))
    words, rest = _words(norm, kind)
    numbers, bad, rest = _numbers(rest, top)
    symbols, rest = _symbols(rest, kind)
    candidates = set(words) | set(numbers) | set(symbols)
    if bad or negated or len(candidates) != 1:
        return Answer(None, raw)
    score = candidates.pop()
    if not low <= score <= top:
        return Answer(None, raw)
    leftover = [w for w in re.findall(r"\w+", rest) if w not in FILLER]
    return Answer(score, raw if leftover else None)
