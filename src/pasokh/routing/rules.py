"""Match a conversation and its triage against ordered routing rules: first match wins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pasokh.triage.normalise import normalise

LIST_CONDITIONS = ("categories", "priorities", "sentiments", "languages", "channels")
FLAG_CONDITIONS = ("is_public", "is_vip")
CONDITION_KEYS = (*LIST_CONDITIONS, *FLAG_CONDITIONS, "keywords")
# The facts each list condition looks at.
FACT_OF = {"categories": "category", "priorities": "priority", "sentiments": "sentiment",
           "languages": "language", "channels": "channel"}


@dataclass(frozen=True)
class Facts:
    """What routing knows about a conversation at the moment it routes it."""

    category: str | None
    priority: str
    sentiment: str | None
    language: str | None
    channel: str
    is_public: bool = False
    is_vip: bool = False
    text: str = ""


@dataclass(frozen=True)
class Rule:
    """A routing rule as the matcher sees it (decoupled from the table)."""

    id: int | None
    name: str
    conditions: dict[str, Any] = field(default_factory=dict)
    team_id: int | None = None
    priority_override: str | None = None
    tags: tuple[str, ...] = ()
    handling: str = "agent"
    is_default: bool = False


@dataclass(frozen=True)
class Match:
    rule: Rule
    reasons: tuple[str, ...]


FALLBACK = Rule(id=None, name="built-in default", handling="agent", is_default=True)


def _keyword_hit(keywords: Iterable[str], text: str) -> str | None:
    folded = normalise(text).lower()
    for keyword in keywords:
        if keyword and normalise(keyword).lower() in folded:
            return keyword
    return None


def explain(rule: Rule, facts: Facts) -> tuple[str, ...] | None:
    """Why `rule` matches `facts` (one reason per condition), or None if it does not."""
    reasons: list[str] = []
    cond = rule.conditions
    for key in LIST_CONDITIONS:
        wanted = cond.get(key) or []
        if wanted:
            value = getattr(facts, FACT_OF[key])
            if value not in wanted:
                return None
            reasons.append(f"{FACT_OF[key]} is {value}")
    for key in FLAG_CONDITIONS:
        if cond.get(key) is not None:
            if bool(getattr(facts, key)) != bool(cond[key]):
                return None
            reasons.append(f"{key.removeprefix('is_')}: {'yes' if cond[key] else 'no'}")
    keywords = cond.get("keywords") or []
    if keywords:
        hit = _keyword_hit(keywords, facts.text)
        if hit is None:
            return None
        reasons.append(f"mentions '{hit}'")
    return tuple(reasons) or ("matches everything",)


def match_rules(rules: Sequence[Rule], facts: Facts) -> Match:
    """The first matching rule in order, defaults last; the built-in default if none."""
    ordered = [r for r in rules if not r.is_default] + [r for r in rules if r.is_default]
    for rule in ordered:
        reasons = explain(rule, facts)
        if reasons is not None:
            label = "default rule" if rule.is_default else f"rule '{rule.name}'"
            return Match(rule=rule, reasons=(f"{label}: " + ", ".join(reasons),))
    return Match(rule=FALLBACK, reasons=("no rule matched: handled by an agent",))
