"""Language identification by script and small lexicons: fa, en, ar, fa-latn, other.

Runs on the RAW text: folding ي→ی and ك→ک first erases the strongest clue that an
Arabic-script message is Arabic (measured in NLP-NOTES §2).
"""

from __future__ import annotations

import re

from pasokh.triage.wordlists import ARABIC, ENGLISH, FINGLISH, OTHER_LATIN, PERSIAN, PERSIAN_AL

LANGUAGES = ("fa", "en", "ar", "fa-latn", "other")

_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|@[\w.]+|#\w+")
_ARABIC_SCRIPT = re.compile("[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_PERSIAN_ONLY = re.compile("[پچژگیک]")  # letters (and code points) Arabic keyboards never type
_LATIN = re.compile("[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")
# kh/gh before a vowel is common in Finglish (khoob, ghaza) and rare in English (ghost).
_FINGLISH_DIGRAPH = re.compile(r"(?:kh|gh)[aeiou]")
_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی"})

# Share of the letters that must be Arabic script for the message to count as fa/ar;
# mixed Persian+English is Persian by the project's convention.
_ARABIC_SCRIPT_SHARE = 0.3


def detect_language(raw: str, hint: str | None = None) -> str:
    """Return fa, en, ar, fa-latn or other for a raw (un-normalised) message."""
    text = (
        _NOISE.sub(" ", raw)
        if ("@" in raw or "#" in raw or "http" in raw or "www." in raw)
        else raw
    )
    has_arabic = _ARABIC_SCRIPT.search(text) is not None
    has_latin = _LATIN.search(text) is not None
    if has_arabic != has_latin:  # one script only: the common case, no counting needed
        return _persian_or_arabic(text) if has_arabic else _english_or_finglish(text)
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return hint if hint in LANGUAGES else "other"
    arabic = len(_ARABIC_SCRIPT.findall(text))
    if arabic >= _ARABIC_SCRIPT_SHARE * letters:
        return _persian_or_arabic(text)
    latin = len(_LATIN.findall(text))
    if latin >= 0.5 * letters:
        return _english_or_finglish(text)
    return "other"


def _persian_or_arabic(text: str) -> str:
    # پ چ ژ گ and the Persian code points of ی/ک only come from a Persian keyboard.
    if _PERSIAN_ONLY.search(text):
        return "fa"
    words = [w.translate(_FOLD) for w in _WORD.findall(text)]
    ar_score = sum(1.0 for w in words if w in _ARABIC_FOLDED)
    ar_score += sum(0.5 for w in words if w.startswith("ال") and w not in PERSIAN_AL)
    ar_score += 0.5 * text.count("ة")
    fa_score = sum(1.0 for w in words if w in PERSIAN)
    return "ar" if ar_score > fa_score else "fa"


_ARABIC_FOLDED = frozenset(w.translate(_FOLD) for w in ARABIC) - PERSIAN


def _english_or_finglish(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    latin_words = [w for w in words if w.isascii()]
    fin = sum(1.0 for w in latin_words if w in FINGLISH)
    fin += sum(0.5 for w in latin_words if w not in FINGLISH and _FINGLISH_DIGRAPH.search(w))
    eng = sum(1.0 for w in latin_words if w in ENGLISH)
    foreign = sum(1.0 for w in words if w in OTHER_LATIN)
    if fin > eng and fin >= foreign:
        return "fa-latn"
    if foreign > eng or (eng == 0 and fin == 0 and len(latin_words) >= 3):
        return "other"
    return "en"
