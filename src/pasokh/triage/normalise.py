"""Persian/English normalisation: one canonical form for the model and the phrase rules.

The canonical form is a matching key, not display text (the raw text is kept for that):
- Arabic letter variants fold to Persian (ي ى → ی, ك → ک, ة ۀ → ه, ؤ → و, أ إ ٱ → ا).
- Persian and Arabic-Indic digits become ASCII; thousands separators between digits go.
- Diacritics, kashida, zero-width and bidi controls, variation selectors go.
- ZWNJ is resolved to the *joined* form: «می خوام», «میخوام» and «می‌خوام» all become
  «میخوام», «کتاب ها» / «کتاب‌ها» become «کتابها». Joining is decidable without a lexicon;
  re-inserting a ZWNJ into «میخوام» is not (compare «میز», «میوه», «میلیون»).
- Elongation: an Arabic-script letter held 3+ times becomes one (عاااالی → عالی); a Latin
  letter held 3+ times becomes two (sooo → soo; «cool», «khoob» keep their legitimate pair).
  Digits are never collapsed (1000000 stays).
- Latin is lower-cased. URLs, e-mails, @mentions, phone and card numbers, amounts and long
  numbers (order / tracking ids) become placeholder tokens such as ``<url>``.
- Emoji stay, one token each: they carry sentiment.
Tokens are separated by single spaces, punctuation split off, so ``norm.split()`` tokenises.
"""

from __future__ import annotations

import re
import unicodedata

PLACEHOLDERS = ("<url>", "<email>", "<mention>", "<phone>", "<card>", "<amount>", "<id>")

_DELETE = (
    "\u0640"  # kashida
    "\u200d\u2060\ufeff"  # zero-width joiner, word joiner, BOM
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
    "\ufe0e\ufe0f"  # variation selectors
)
_DIACRITICS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670"]
_DIACRITICS += [chr(c) for c in range(0x0610, 0x061B)] + [chr(c) for c in range(0x06D6, 0x06EE)]

_MAP = {
    "ي": "ی",
    "ى": "ی",
    "ې": "ی",
    "ك": "ک",
    "ة": "ه",
    "ۀ": "ه",
    "ە": "ه",
    "ھ": "ه",
    "ؤ": "و",
    "أ": "ا",
    "إ": "ا",
    "ٱ": "ا",
    "،": ",",
    "؛": ";",
    "؟": "?",
    "«": '"',
    "»": '"',
    "٪": "%",
    "٫": ".",
    "\u200b": " ",  # zero-width *space* separates words
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}
for _i in range(10):
    _MAP[chr(0x06F0 + _i)] = str(_i)  # Persian digits
    _MAP[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
_TABLE: dict[int, str | None] = {ord(k): v for k, v in _MAP.items()}
_TABLE.update({ord(c): None for c in _DELETE})
_TABLE.update({ord(c): None for c in _DIACRITICS})
_TABLE.update({c: None for c in range(0x1F3FB, 0x1F400)})  # emoji skin tones

_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")
_THOUSANDS = re.compile(r"(?<=\d)[,٬](?=\d{3}(?!\d))")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|ir|net|org|io|co|me)\b(?:/\S*)?"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b")
_MENTION = re.compile(r"@[\w.]+")
_CARD = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)98[ -]?|0)9\d{2}[ -]?\d{3}[ -]?\d{4}(?!\d)"  # Iranian mobile
    r"|(?<![\d+])0\d{2}[ -]?\d{8}(?!\d)"  # Iranian landline
    r"|\+\d{1,3}[ -]?\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?!\d)"  # international
)
_AMOUNT = re.compile(
    r"[$€£]\s?\d+(?:\.\d+)?"
    r"|\d+(?:\.\d+)?\s?(?:k\s?|هزار\s?|میلیون\s?|تومنی?\s?)?"
    r"(?:تومان|تومن|ریال|تومنی|toman|tomans|tomaan|rial|usd|dollars?|euros?|€|\$)(?![a-z])"
)
_LONG_NUMBER = re.compile(r"#\d+|(?<!\d)\d{5,}(?!\d)")
_URL_HINT = re.compile(r"https?:|www\.|\.(?:com|ir|net|org|io|co|me)\b")
_HAS_DIGIT = re.compile(r"[0-9]")
_TRIPLE = re.compile(r"(.)\1\1")
# Verbal prefix and plural / superlative suffixes written apart: join them to their word.
_PREFIX = re.compile(r"(?<![^\s])(ن?می)\s+(?=[آ-ی])")
_SUFFIX = re.compile(
    r"(?<=[آ-ی])\s+(ها|های|هایی|هام|هات|هاش|هامون|هاتون|هاشون|هایم|هایت|هایش|هایمان|هایتان"
    r"|هایشان|ترین|تری|تر)(?![^\s.,!?;:)\"'])"
)
_ARABIC_REPEAT = re.compile(r"([آ-ی])\1{2,}")
_LATIN_REPEAT = re.compile(r"([a-z])\1{2,}")
_PUNCT_REPEAT = re.compile(r"([!?.,;:\-_*~])\1{2,}")
_EMOJI = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff"
    "\u3030\u303d\u3297\u3299\u00a9\u00ae\u203c\u2049\u2122\u2139"
)
_TOKEN = re.compile(rf"<(?:url|email|mention|phone|card|amount|id)>|[^\W_]+|[{_EMOJI}]|[^\w\s]|_+")


def fold(text: str) -> str:
    """Fold letter variants, digits, diacritics and control characters (no tokenising)."""
    if _PRESENTATION_FORMS.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_TABLE)


def normalise(text: str) -> str:
    """Return the canonical, space-tokenised form of a message."""
    text = fold(text).lower()
    # cheap guards first: most messages have no digits, addresses or held letters
    if "@" in text:
        text = _EMAIL.sub(" <email> ", text)
        text = _MENTION.sub(" <mention> ", text)
    if _URL_HINT.search(text):
        text = _URL.sub(" <url> ", text)
    if _HAS_DIGIT.search(text):
        text = _THOUSANDS.sub("", text)
        text = _CARD.sub(" <card> ", text)
        text = _PHONE.sub(" <phone> ", text)
        text = _AMOUNT.sub(" <amount> ", text)
        text = _LONG_NUMBER.sub(" <id> ", text)
    text = text.replace("\u200c", "")
    if _TRIPLE.search(text):
        text = _ARABIC_REPEAT.sub(r"\1", text)
        text = _LATIN_REPEAT.sub(r"\1\1", text)
        text = _PUNCT_REPEAT.sub(r"\1\1", text)
    if "می" in text:
        text = _PREFIX.sub(r"\1", text)
    if " ه" in text or " تر" in text:
        text = _SUFFIX.sub(r"\1", text)
    return " ".join(_TOKEN.findall(text))


def tokenise(norm: str) -> list[str]:
    """Split a normalised text into its tokens."""
    return norm.split()
