"""Priority = the model's reading of the text, raised by phrase rules and by context.

Order of decisions, each leaving a human-readable reason:
1. the model's priority head (with a per-level probability threshold tuned at training,
   so "urgent" is chosen once it is likely enough, not only when it is the argmax); when
   the model has an urgent stack, P(urgent) is first recombined with the category head's
   probabilities (urgent is almost always a complaint or a technical fault), see
   ``UrgentStack``;
2. phrase rules raise the level to at least the rule's level (money taken, hacked …);
3. context raises it by a bounded number of levels: VIP, public reach (for negative
   messages), waiting time, repeat contact.
"""

from __future__ import annotations

import math
from typing import Any

from pasokh.triage.doc import TriageContext, TriageDoc
from pasokh.triage.errors import ModelError
from pasokh.triage.model import CompiledModel
from pasokh.triage.rules import LEVELS, PriorityRules, Threshold, has_dispute_cue
from pasokh.triage.stages import Scores, model_scores, top

NEGATIVE_CATEGORIES = frozenset({"complaint", "technical"})


def model_level(scores: Scores, thresholds: dict[str, float]) -> tuple[str, float]:
    """Pick the most severe level whose probability reaches its threshold, else the argmax.

    A level with a threshold that its probability does not reach is never chosen by the
    argmax either (the threshold was tuned as the only way to that level).
    """
    for level in reversed(LEVELS):
        t = thresholds.get(level)
        if t is not None and scores.get(level, 0.0) >= t:
            return level, scores[level]
    rest = {k: v for k, v in scores.items() if k not in thresholds}
    return top(rest or scores)


class UrgentStack:
    """P(urgent) recombined with the category head: a logistic regression fitted at training.

    p = sigmoid(w_u · log P(urgent) + Σ_c w_c · log P(category = c) + b), probabilities
    clipped at `floor`; the weights and the thresholds tuned on it (out of fold) are in the
    priority head's manifest entry, `urgent_stack`.

    P(urgent) is read from the head named by `input`: the priority head itself, or (since
    `corpus-0bd3a979d1`) a hidden head fitted without class weights. With a `gate`, the
    model alone never makes a message urgent unless the category head puts at least
    `gate.min` on `gate.categories` (complaint + technical); phrase rules are not gated.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.input = str(spec.get("input", "priority"))
        gate = spec.get("gate") or {}
        self.gate_categories = tuple(str(c) for c in gate.get("categories", ()))
        self.gate_min = float(gate["min"]) if "min" in gate else None
        self.w_urgent = float(spec["urgent"])
        self.w_category = {str(c): float(w) for c, w in spec["category"].items()}
        self.bias = float(spec["bias"])
        self.floor = float(spec.get("floor", 1e-6))
        self.thresholds: dict[str, float] = {
            k: float(v) for k, v in spec.get("thresholds", {}).items()
        }

    def usable_with(self, model: CompiledModel) -> bool:
        """True if the model's category head has exactly the classes the stack was fitted on
        and the head it reads P(urgent) from is there."""
        head = model.heads.get("category")
        source = model.heads.get(self.input)
        return (
            head is not None
            and set(head.classes) == set(self.w_category)
            and source is not None
            and "urgent" in source.classes
        )

    def gate_open(self, category: Scores) -> bool:
        """True if the model may call the message urgent (the category reads as a fault)."""
        if self.gate_min is None:
            return True
        return sum(category.get(c, 0.0) for c in self.gate_categories) >= self.gate_min

    def urgent(self, all_scores: dict[str, Scores]) -> float:
        """The stacked P(urgent) of one message's head scores; 0 when the gate is closed."""
        category = all_scores["category"]
        if not self.gate_open(category):
            return 0.0
        return self(all_scores[self.input]["urgent"], category)

    def __call__(self, p_urgent: float, category: Scores) -> float:
        floor = self.floor
        z = self.bias + self.w_urgent * math.log(max(p_urgent, floor))
        for c, w in self.w_category.items():
            z += w * math.log(max(category.get(c, 0.0), floor))
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


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
        # urgent decided on P(urgent) recombined with the category head (tuned at training)
        self.stack: UrgentStack | None = None
        spec = head.info.get("urgent_stack")
        if isinstance(spec, dict) and "urgent" in head.classes:
            stack = UrgentStack(spec)
            if stack.usable_with(model):  # a retrained category head with other labels: no
                self.stack = stack
                self.thresholds = dict(stack.thresholds)
        # billing-dispute wording needs a higher P(urgent) (tuned at training, out of fold)
        self.dispute_thresholds: dict[str, float] | None = None
        if "urgent_dispute" in self.thresholds:
            self.dispute_thresholds = {
                **self.thresholds,
                "urgent": self.thresholds["urgent_dispute"],
            }
        self.standard = set(head.classes) <= set(LEVELS)
        self.version = f"{model.version}+rules:{rules.version}"

    def prepare(self, doc: TriageDoc) -> tuple[str, float, list[str]]:
        """The part that reads only the text: the model's level and the phrase rules.

        Cached on the doc, so ingest can run it before its transaction (`prepare_many`).
        """
        if doc.priority_base is not None:
            return doc.priority_base
        all_scores = model_scores(doc, self.model)
        scores = all_scores["priority"]
        if self.stack is not None:
            scores = {**scores, "urgent": self.stack.urgent(all_scores)}
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
        doc.priority_base = (level, confidence, reasons)
        return doc.priority_base

    def __call__(self, doc: TriageDoc) -> TriageDoc:
        level, confidence, base_reasons = self.prepare(doc)
        reasons = list(base_reasons)
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
