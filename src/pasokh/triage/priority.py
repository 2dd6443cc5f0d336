"""Priority = the model's reading of the text, raised by phrase rules and by context.

Order of decisions, each leaving a human-readable reason:
1. the model's priority head (with a per-level probability threshold tuned at training,
   so "urgent" is chosen once it is likely enough, not only when it is the argmax);
2. phrase rules raise the level to at least the rule's level (money taken, hacked …);
3. context raises it by a bounded number of levels: VIP, public reach (for negative
   messages), waiting time, repeat contact.
"""

from __future__ import annotations

from pasokh.triage.doc import TriageContext, TriageDoc
from pasokh.triage.errors import ModelError
from pasokh.triage.model import CompiledModel
from pasokh.triage.rules import LEVELS, PriorityRules, Threshold, has_dispute_cue
from pasokh.triage.stages import Scores, model_scores, top

NEGATIVE_CATEGORIES = frozenset({"complaint", "technical"})


def model_level(scores: Scores, thresholds: dict[str, float]) -> tuple[str, float]:
    """Pick the most severe level whose probability reaches its threshold, else the argmax."""
    for level in reversed(LEVELS):
        t = thresholds.get(level)
        if t is not None and scores.get(level, 0.0) >= t:
            return level, scores[level]
    return top(scores)


def _threshold_boost(thresholds: list[Threshold], value: float) -> int:
    reached = [t for t in thresholds if value >= t.at]
    return max((t.boost for t in reached), default=0)


def format_wait(seconds: float) -> str:
    """Return a short human duration: 45 min, 3 h, 2 d."""
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th …"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def context_boost(
    ctx: TriageContext, rules: PriorityRules, *, negative: bool
) -> tuple[int, list[str]]:
    """Return (levels to raise, reasons) from VIP, reach, waiting time and repeat contact."""
    boost, reasons = 0, []
    if ctx.is_vip and rules.vip_boost:
        boost += rules.vip_boost
        reasons.append("VIP customer")
    if ctx.is_public and (negative or not rules.reach_only_if_negative):
        b = _threshold_boost(rules.reach, ctx.reach)
        if b:
            boost += b
            reasons.append(f"public post, {ctx.reach:,} likes")
    b = _threshold_boost(rules.waiting, ctx.waiting_seconds)
    if b:
        boost += b
        reasons.append(f"waiting {format_wait(ctx.waiting_seconds)}")
    b = _threshold_boost(rules.repeat_contacts, ctx.repeat_contacts)
    if b:
        boost += b
        reasons.append(f"{ordinal(ctx.repeat_contacts + 1)} contact in 7 days")
    return min(boost, rules.max_context_boost), reasons


class PriorityStage:
    """urgent / high / normal / low, always with reasons."""

    name = "priority"
    requires = frozenset({"tokens", "norm", "language", "category", "sentiment", "context"})
    assigns = frozenset({"priority", "priority_confidence", "reasons"})

    def __init__(self, model: CompiledModel, rules: PriorityRules) -> None:
        head = model.heads.get("priority")
        if head is None:
            raise ModelError(f"model {model.version} has no 'priority' head")
        self.model = model
        self.rules = rules
        self.thresholds: dict[str, float] = dict(head.info.get("thresholds", {}))
        # billing-dispute wording needs a higher P(urgent) (tuned at training, out of fold)
        self.dispute_thresholds: dict[str, float] | None = None
        if "urgent_dispute" in self.thresholds:
            self.dispute_thresholds = {
                **self.thresholds,
                "urgent": self.thresholds["urgent_dispute"],
            }
        self.standard = set(head.classes) <= set(LEVELS)
        self.version = f"{model.version}+rules:{rules.version}"

    def __call__(self, doc: TriageDoc) -> TriageDoc:
        scores = model_scores(doc, self.model)["priority"]
        thresholds = self.thresholds
        if self.dispute_thresholds is not None and has_dispute_cue(doc.norm, doc.language):
            thresholds = self.dispute_thresholds
        level, p = model_level(scores, thresholds)
        reasons = [f"model rates it {level} ({p:.0%}): {doc.sentiment} {doc.category}"]
        confidence = p
        for hit in self.rules.matcher.find(doc.norm, doc.language):
            reasons.append(f'{hit.rule.reason}: "{hit.matched}"')
            if self.standard and LEVELS.index(hit.rule.level) >= LEVELS.index(level):
                level, confidence = hit.rule.level, 1.0  # a supervisor's rule is not a guess
        if self.standard:
            negative = doc.sentiment == "negative" or doc.category in NEGATIVE_CATEGORIES
            boost, why = context_boost(doc.context, self.rules, negative=negative)
            reasons.extend(why)
            level = LEVELS[min(len(LEVELS) - 1, LEVELS.index(level) + boost)]
        doc.priority, doc.priority_confidence, doc.reasons = level, confidence, reasons
        doc.record(self.name, self.version, "priority", level)
        if confidence < self.rules.review.priority_min:
            doc.flag(f"priority uncertain: {level} {confidence:.0%}")
        return doc
