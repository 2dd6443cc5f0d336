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
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pasokh.triage.errors import RulesError
from pasokh.triage.normalise import normalise

DEFAULT_RULES_PATH = Path(__file__).parent / "default_rules.json"
LEVELS = ("low", "normal", "high", "urgent")
Level = Literal["low", "normal", "high", "urgent"]
PHRASE_LANGS = ("fa", "en", "fa-latn")
GAP_WORDS = 6


class PhraseRule(BaseModel):
    """Phrases that, when found, set at least `level` and give `reason`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    reason: str
    level: Level = "urgent"
    phrases: dict[str, list[str]]

    @field_validator("phrases")
    @classmethod
    def _known_languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(PHRASE_LANGS)
        if unknown:
            raise ValueError(f"phrase languages must be among {PHRASE_LANGS}, got {sorted(unknown)}")
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
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
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


_VOWEL_CLASSES = ((re.compile("ou|oo|o|u"), "u"), (re.compile("ee|ei|ey|i|y"), "i"), (re.compile("aa|a"), "a"))
_REPEATS = re.compile(r"(.)\1+")
_DIGRAPHS = (("kh", "x"), ("gh", "q"), ("sh", "$"), ("ch", "c"), ("zh", "j"), ("ck", "k"))


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


def _word_pattern(word: str) -> str:
    prefix = word.endswith("*")
    alternatives = [re.escape(a) for a in word.rstrip("*").split("|") if a]
    core = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return core + (r"\S*" if prefix else "")


def _phrase_pattern(phrase: str, *, finglish: bool) -> str | None:
    parts: list[str] = []
    gap = False
    for raw_word in phrase.split():
        if raw_word == "...":
            gap = True
            continue
        star = raw_word.endswith("*")
        stem = raw_word.rstrip("*")
        if "|" in stem:  # alternatives are single words: normalise each on its own
            alts = [latin_key(a) if finglish else normalise(a) for a in stem.split("|")]
            tokens = ["|".join(a for a in alts if a)]
        else:
            tokens = [latin_key(stem)] if finglish else normalise(stem).split()
        if not tokens or not tokens[0]:
            continue
        if star:
            tokens[-1] += "*"
        words = " ".join(_word_pattern(t) for t in tokens)
        if parts:
            parts.append(rf" (?:\S+ ){{0,{GAP_WORDS}}}" if gap else " ")
        parts.append(words)
        gap = False
    return "".join(parts) if parts else None


class PhraseMatcher:
    """All phrase rules compiled to one regex per rule and script."""

    def __init__(self, rules: list[PhraseRule]) -> None:
        self._compiled: list[tuple[PhraseRule, re.Pattern[str] | None, re.Pattern[str] | None]] = []
        for rule in rules:
            native = [
                p for lang in ("fa", "en") for ph in rule.phrases.get(lang, [])
                if (p := _phrase_pattern(ph, finglish=False))
            ]
            latin = [
                p for ph in rule.phrases.get("fa-latn", [])
                if (p := _phrase_pattern(ph, finglish=True))
            ]
            self._compiled.append((rule, _alternation(native), _alternation(latin)))

    def find(self, norm: str) -> list[PhraseHit]:
        """Return the rules whose phrases occur in a normalised text (first hit per rule)."""
        text = f" {norm} "
        latin_tokens: list[str] | None = None
        key = ""
        hits = []
        for rule, native, latin in self._compiled:
            if native is not None and (m := native.search(text)) is not None:
                hits.append(PhraseHit(rule, m.group(0)))
                continue
            if latin is None:
                continue
            if latin_tokens is None:
                latin_tokens = [t for t in norm.split() if t.isascii() and t.isalpha()]
                key = " " + " ".join(latin_key(t) for t in latin_tokens) + " "
            if latin_tokens and (m := latin.search(key)) is not None:
                # map the skeleton match back to the words the customer wrote
                first = key.count(" ", 0, m.start()) - 1
                span = m.group(0).count(" ") + 1
                hits.append(PhraseHit(rule, " ".join(latin_tokens[first : first + span])))
        return hits


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(r"(?<= )(?:" + "|".join(patterns) + r")(?= )")
