"""Priority rules as data: urgent phrases, VIP, reach, waiting time, repeat contact.

A supervisor edits them as JSON; the shipped defaults live in ``default_rules.json`` and a
workspace's own copy is validated with ``PriorityRules.model_validate(json_dict)``.

Phrase syntax (one phrase per string, any language list):
- words separated by spaces; a word ending in ``*`` matches any word starting with it
  («کارت*» matches «کارتم»); ``a|b`` matches either word; ``...`` between two words
  allows up to 6 words in between.
- Phrases are normalised like messages, so «می خوام» / «میخوام» / «ي»-spellings all match.
- ``fa-latn`` (Finglish) phrases match by a spelling key that merges vowel spellings
  (oo/ou/u/o, ee/ei/i/y, aa/a) and drops a final e/eh, so «pool kam shod» also matches
  «pul kam shode».

A rule may also list ``unless`` phrases (same syntax, same languages): it does not fire
on a message where one of them occurs, e.g. a hypothetical question («اگه ... مسدود
میشه») or a fault already over ("... working now"). ``unless`` phrases are checked
strictly: one that is empty or has a dangling ``...``, ``|`` or ``*`` is refused with the
rule's id and the phrase. An ``unless`` phrase does not veto when a later clause says the
fault is back («درست شد ولی دوباره قطع شد», "fixed now, but it's down again":
``REASSERTED``, checked only after the last ``unless`` match of the rule).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from pasokh.triage.errors import RulesError
from pasokh.triage.normalise import normalise

DEFAULT_RULES_PATH = Path(__file__).parent / "default_rules.json"
LEVELS = ("low", "normal", "high", "urgent")
Level = Literal["low", "normal", "high", "urgent"]
PHRASE_LANGS = ("fa", "en", "fa-latn")
GAP_WORDS = 6


class PhraseRule(BaseModel):
    """Phrases that, when found, set at least `level` and give `reason`.

    `unless`: phrases that, when found anywhere in the message, stop the rule firing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    reason: str
    level: Level = "urgent"
    phrases: dict[str, list[str]]
    unless: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("phrases", "unless")
    @classmethod
    def _known_languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(PHRASE_LANGS)
        if unknown:
            raise ValueError(
                f"phrase languages must be among {PHRASE_LANGS}, got {sorted(unknown)}"
            )
        return value

    @field_validator("unless")
    @classmethod
    def _well_formed(
        cls, value: dict[str, list[str]], info: ValidationInfo
    ) -> dict[str, list[str]]:
        rule = info.data.get("id", "?")
        for lang, phrases in value.items():
            for phrase in phrases:
                problem = phrase_problem(phrase, finglish=lang == "fa-latn")
                if problem:
                    raise ValueError(f"rule {rule!r}: unless phrase {phrase!r} ({lang}) {problem}")
        return value


class Threshold(BaseModel):
    """At or above `at`, raise the priority by `boost` levels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: float = Field(ge=0)
    boost: int = Field(default=1, ge=0, le=3)


class ReviewPolicy(BaseModel):
    """Below these confidences a decision is flagged for a human instead of trusted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category_min: float = Field(default=0.45, ge=0, le=1)
    sentiment_min: float = Field(default=0.4, ge=0, le=1)
    priority_min: float = Field(default=0.4, ge=0, le=1)


class PriorityRules(BaseModel):
    """Everything a supervisor can change about priority without code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = "custom"
    phrase_rules: list[PhraseRule] = Field(default_factory=list)
    vip_boost: int = Field(default=1, ge=0, le=3)
    reach: list[Threshold] = Field(default_factory=list)  # at = likes / followers
    reach_only_if_negative: bool = True  # public praise does not jump the queue
    waiting: list[Threshold] = Field(default_factory=list)  # at = seconds waiting
    repeat_contacts: list[Threshold] = Field(default_factory=list)  # at = earlier contacts in 7 d
    max_context_boost: int = Field(default=2, ge=0, le=3)
    review: ReviewPolicy = Field(default_factory=ReviewPolicy)

    @classmethod
    def default(cls) -> PriorityRules:
        """Return the rules shipped with Pasokh."""
        return cls.from_file(DEFAULT_RULES_PATH)

    @classmethod
    def from_file(cls, path: Path | str) -> PriorityRules:
        """Load rules from a JSON file; raise RulesError with the reason if invalid."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RulesError(f"cannot read priority rules from {path}: {exc}") from exc
        return cls.parse(data)

    @classmethod
    def parse(cls, data: Any) -> PriorityRules:
        """Validate a JSON-like dict; raise RulesError with every problem listed."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise RulesError(f"invalid priority rules: {problems}") from exc

    @cached_property
    def matcher(self) -> PhraseMatcher:
        """Compiled phrase regexes (built once per rules object)."""
        return PhraseMatcher(self.phrase_rules)


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A phrase rule that fired, with the text that triggered it."""

    rule: PhraseRule
    matched: str


_VOWEL_CLASSES = (
    (re.compile("ou|oo|o|u"), "u"),
    (re.compile("ee|ei|ey|i|y"), "i"),
    (re.compile("aa|a"), "a"),
)
_REPEATS = re.compile(r"(.)\1+")
_DIGRAPHS = (("kh", "x"), ("gh", "q"), ("sh", "$"), ("ch", "c"), ("zh", "j"), ("ck", "k"))


@lru_cache(maxsize=65_536)
def latin_key(word: str) -> str:
    """Return the spelling key of a Finglish word (pool, pul → pul; shode, shodeh → $ud)."""
    w = word.lower()
    if len(w) > 3 and w.endswith("eh"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    for a, b in _DIGRAPHS:
        w = w.replace(a, b)
    for pattern, vowel in _VOWEL_CLASSES:
        w = pattern.sub(vowel, w)
    return _REPEATS.sub(r"\1", w)


@dataclass(frozen=True, slots=True)
class _Phrase:
    rule: int  # index into the rule list
    pattern: re.Pattern[str]
    first: tuple[str, ...]  # alternatives of the first word
    first_is_prefix: bool


_GAP = "\u2042"  # stands in for "..." while the phrase goes through the normaliser


def _phrase_tokens(phrase: str, *, finglish: bool) -> list[str]:
    """Tokenise a phrase like a message, keeping the operators … * | as tokens."""
    text = phrase.replace("...", f" {_GAP} ")
    if not finglish:
        return normalise(text).split()
    out: list[str] = []
    for word in text.replace("*", " * ").replace("|", " | ").split():
        out.append(word if word in (_GAP, "*", "|") else latin_key(word))
    return out


def phrase_problem(phrase: str, *, finglish: bool = False) -> str | None:
    """Return what is wrong with a phrase's syntax, or None if it is well formed."""
    if not phrase.strip():
        return "is empty"
    tokens = _phrase_tokens(phrase, finglish=finglish)
    if not any(t not in (_GAP, "*", "|") for t in tokens):
        return "has no word left after normalisation"
    ops = {_GAP: "'...'", "|": "'|'"}
    for i, tok in enumerate(tokens):
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok in ops and (before in (None, _GAP, "|") or after in (None, _GAP, "|", "*")):
            return f"needs a word on both sides of {ops[tok]}"
        if tok == "*" and before in (None, _GAP, "|", "*"):
            return "has a '*' that does not end a word"
    return None


def phrase_slots(phrase: str, *, finglish: bool) -> list[tuple[list[str], bool, bool]]:
    """A phrase's words in order: (spellings (a|b), prefix? (word*), gap before? (...))."""
    slots: list[tuple[list[str], bool, bool]] = []
    gap = join_next = False
    for tok in _phrase_tokens(phrase, finglish=finglish):
        if tok == _GAP:
            gap = True
        elif tok == "*" and slots:
            slots[-1] = (slots[-1][0], True, slots[-1][2])
        elif tok == "|" and slots:
            join_next = True
        elif join_next:
            slots[-1][0].append(tok)
            join_next = False
        else:
            slots.append(([tok], False, gap and bool(slots)))
            gap = False
    return slots


def _compile_phrase(rule: int, phrase: str, *, finglish: bool) -> _Phrase | None:
    words = phrase_slots(phrase, finglish=finglish)
    if not words:
        return None
    parts = []
    for j, (alternatives, prefix, gap) in enumerate(words):
        if j:
            parts.append(rf" (?:\S+ ){{0,{GAP_WORDS}}}" if gap else " ")
        core = "|".join(re.escape(a) for a in alternatives)
        parts.append(f"(?:{core})" + (r"\S*" if prefix else ""))
    pattern = re.compile(r"(?<= )" + "".join(parts) + r"(?= )")
    return _Phrase(rule, pattern, tuple(words[0][0]), words[0][1])


class _Index:
    """Phrases by their first word, so a message only tries the phrases it could match."""

    def __init__(self, phrases: list[_Phrase]) -> None:
        self.phrases = phrases
        self.exact: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}
        for i, ph in enumerate(phrases):
            table = self.prefix if ph.first_is_prefix else self.exact
            for word in ph.first:
                table.setdefault(word, []).append(i)
        self.prefix_lengths = sorted({len(w) for w in self.prefix})
        self._cache: dict[str, frozenset[int]] = {}  # token -> phrases it could start

    def _phrases_of(self, token: str) -> frozenset[int]:
        found = set(self.exact.get(token, ()))
        for n in self.prefix_lengths:
            if n > len(token):
                break
            found.update(self.prefix.get(token[:n], ()))
        return frozenset(found)

    def candidates(self, tokens: set[str]) -> list[_Phrase]:
        """Return the phrases whose first word occurs among the tokens, in rule order."""
        cache = self._cache
        found: set[int] = set()
        for tok in tokens:
            ids = cache.get(tok)
            if ids is None:
                if len(cache) >= 100_000:
                    cache.clear()  # bounded; frequent tokens come straight back
                ids = cache[tok] = self._phrases_of(tok)
            if ids:
                found.update(ids)
        return [self.phrases[i] for i in sorted(found)]


class PhraseMatcher:
    """All phrase rules, indexed by first word and compiled to one regex per phrase."""

    def __init__(self, rules: list[PhraseRule]) -> None:
        self.rules = rules
        self._native, self._latin = self._indexes([r.phrases for r in rules])
        self._unless_native, self._unless_latin = self._indexes([r.unless for r in rules])
        self._has_unless = frozenset(r for r, rule in enumerate(rules) if rule.unless)
        # per rule, its unless phrases (to find where the last one ends)
        self._unless_of: dict[int, tuple[list[_Phrase], list[_Phrase]]] = {}
        for ph in self._unless_native.phrases:
            self._unless_of.setdefault(ph.rule, ([], []))[0].append(ph)
        for ph in self._unless_latin.phrases:
            self._unless_of.setdefault(ph.rule, ([], []))[1].append(ph)

    @staticmethod
    def _indexes(lists: list[dict[str, list[str]]]) -> tuple[_Index, _Index]:
        native: list[_Phrase] = []
        latin: list[_Phrase] = []
        for r, phrases in enumerate(lists):
            for lang in ("fa", "en"):
                native.extend(
                    p
                    for ph in phrases.get(lang, [])
                    if (p := _compile_phrase(r, ph, finglish=False))
                )
            latin.extend(
                p
                for ph in phrases.get("fa-latn", [])
                if (p := _compile_phrase(r, ph, finglish=True))
            )
        return _Index(native), _Index(latin)

    def find(self, norm: str, language: str | None = None) -> list[PhraseHit]:
        """Return the rules whose phrases occur in a normalised text (first hit per rule),
        leaving out a rule when one of its `unless` phrases occurs too.

        Finglish phrases are tried unless the message is known to be fa, en or ar.
        """
        tokens = norm.split()
        matched = _search(self._native, self._latin, norm, tokens, language)
        vetoable = self._has_unless.intersection(matched)
        if vetoable:
            vetoed = _search(
                self._unless_native, self._unless_latin, norm, tokens, language, vetoable
            )
            for r in vetoed:
                if not self._reasserted(r, norm, tokens):
                    del matched[r]
        return [PhraseHit(self.rules[r], matched[r]) for r in sorted(matched)]

    def _reasserted(self, rule: int, norm: str, tokens: list[str]) -> bool:
        """True if, after the rule's last `unless` match, a clause says the fault is back.

        Only reached when an `unless` phrase vetoed the rule (rare), so it may be slow.
        """
        native, latin = self._unless_of.get(rule, ([], []))
        text = f" {norm} "
        ends = [m.end() for ph in native for m in ph.pattern.finditer(text)]
        if ends:
            return _reasserted_after(text[max(ends) :], latin=False)
        latin_tokens = [t for t in tokens if t.isascii() and t.isalpha()]
        key_text = " " + " ".join(latin_key(t) for t in latin_tokens) + " "
        ends = [m.end() for ph in latin for m in ph.pattern.finditer(key_text)]
        return bool(ends) and _reasserted_after(key_text[max(ends) :], latin=True)


def _search(
    native: _Index,
    latin: _Index,
    norm: str,
    tokens: list[str],
    language: str | None,
    only: frozenset[int] | None = None,
) -> dict[int, str]:
    """Rule index -> the words of its first matching phrase (only the rules in `only`)."""
    matched: dict[int, str] = {}
    text = f" {norm} "
    for ph in native.candidates(set(tokens)):
        if (
            ph.rule not in matched
            and (only is None or ph.rule in only)
            and (m := ph.pattern.search(text)) is not None
        ):
            matched[ph.rule] = m.group(0)
    latin_tokens = [t for t in tokens if t.isascii() and t.isalpha()]
    if latin_tokens and latin.phrases and language not in ("fa", "en", "ar"):
        keys = [latin_key(t) for t in latin_tokens]
        key_text = " " + " ".join(keys) + " "
        for ph in latin.candidates(set(keys)):
            if (
                ph.rule not in matched
                and (only is None or ph.rule in only)
                and (m := ph.pattern.search(key_text)) is not None
            ):
                # map the spelling-key match back to the words the customer wrote
                first = key_text.count(" ", 0, m.start()) - 1
                span = m.group(0).count(" ") + 1
                matched[ph.rule] = " ".join(latin_tokens[first : first + span])
    return matched


# A later clause saying a fault that an `unless` phrase called over is back: «درست شد ولی
# دوباره قطع شد», "fixed now … it went down again", "dorost shod vali dobare error mide".
# Written as phrases (rules syntax); checked only on the text after the last `unless` match,
# so a resolution that comes last («قطع شد، دوباره زدم اوکی شد») still vetoes the rule.
REASSERTED: dict[str, list[str]] = {
    "fa": [
        "ولی|اما|ولیکن|بعد|الان|ولے ... دوباره|بازم|مجددا|مجدد",
        "ولی|اما باز",
        "دوباره|بازم|مجددا قطع*|خراب*|مسدود*|خطا|ارور|نمیشه|نمیکنه|نشد|نمیده",
    ],
    "en": [
        "down|failing|failed|fails|broke|broken|blocked|declined|stopped|crashed|crashing"
        " ... again",
        "frozen|locked|offline|dead|rejected|erroring ... again",
        "but|now ... stopped|not working",
    ],
    "fa-latn": [
        "vali|ama|bad|alan ... dobare|bazam|mojadadan",
        "vali|ama baz",
        "dobare|bazam ghat*|kharab*|masdood*|error|nemishe|nashod|nemide",
    ],
}


@lru_cache(maxsize=1)
def _reassert_patterns() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    native = [
        p.pattern
        for lang in ("fa", "en")
        for ph in REASSERTED[lang]
        if (p := _compile_phrase(0, ph, finglish=False))
    ]
    latin = [
        p.pattern for ph in REASSERTED["fa-latn"] if (p := _compile_phrase(0, ph, finglish=True))
    ]
    return native, latin


def _reasserted_after(text: str, *, latin: bool) -> bool:
    """True if a REASSERTED phrase occurs in text (normalised, or Finglish spelling keys)."""
    native, keys = _reassert_patterns()
    return any(p.search(text) for p in (keys if latin else native))


# Words of a billing dispute: a fee, a renewal after cancelling, a refund of a difference.
# The money in such a message is disputed, not lost (corpus README, "Not U1" / "Not U5"),
# yet it shares its words with real "money taken" cases, so the model's urgent reading
# needs a higher probability when one of these occurs (the threshold is tuned out of fold
# at training, `thresholds["urgent_dispute"]`, on the urgent stack when the model has one).
# Phrase rules are not affected.
DISPUTE_CUES = PhraseRule(
    id="billing_dispute",
    reason="billing dispute wording",
    level="normal",
    phrases={
        "fa": [
            "اشتراک*",
            "تمدید*",
            "لغو",
            "کنسل*",
            "کارمزد*",
            "جریمه*",
            "برگردونید",
            "برگردون*",
            "مابه*",
            "اختلاف*",
        ],
        "en": [
            "refund*",
            "reimburse*",
            "fee",
            "fees",
            "overcharg*",
            "subscription*",
            "cancel*",
            "renew*",
            "auto-renew*",
            "trial",
            "credit",
            "money back",
            "reverse",
        ],
        "fa-latn": ["eshterak*", "tamdid*", "cancel*", "refund*"],
    },
)


@lru_cache(maxsize=1)
def dispute_matcher() -> PhraseMatcher:
    """Return the matcher of the billing-dispute cues (DISPUTE_CUES)."""
    return PhraseMatcher([DISPUTE_CUES])


def has_dispute_cue(norm: str, language: str | None = None) -> bool:
    """Return True if a normalised text uses billing-dispute wording."""
    return bool(dispute_matcher().find(norm, language))
