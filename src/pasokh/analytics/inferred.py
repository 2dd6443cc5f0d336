"""Inferred scores where no survey was answered: read from behaviour, never mixed with asked.

The formulas (docs/metrics.md, "Inferred scores") put each on its asked counterpart's scale:
- CSAT: the customer's tone after the final reply, 3 + 2·mean(sentiment) on 1–5; reported
  as the share of conversations at 4 or above (mean sentiment ≥ 0.5).
- NPS: per customer and period, promoter/detractor signals in public messages
  (recommendations, shares, tagged friends, positive or negative comments).
- CES: 7 minus one effort point for each of six frictions on the way to resolution.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from pasokh.analytics.metrics import REPEAT_DAYS
from pasokh.analytics.models import ConversationFacts
from pasokh.analytics.sql import (
    Row,
    Scope,
    bucket_of,
    conversation_filters,
    dimension,
    grouped,
    in_range,
    seconds_between,
)
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.surveys.models import Survey

SATISFIED_TONE = 0.5  # 3 + 2·0.5 = 4, the lowest "satisfied" CSAT answer
RECOMMEND = ("پیشنهاد می‌کنم", "پیشنهاد میکنم", "توصیه می‌کنم", "توصیه میکنم", "حتما بخرید",
             "حتماً بخرید", "recommend", "must buy", "must-have")
DISCOURAGE = ("پیشنهاد نمی‌کنم", "پیشنهاد نمیکنم", "توصیه نمی‌کنم", "توصیه نمیکنم", "نخرید",
              "دیگه نمی‌خرم", "دیگه نمیخرم", "not recommend", "don't recommend", "never again",
              "avoid")
# Effort thresholds for inferred CES.
SLOW_FIRST_RESPONSE_S = 3600
SLOW_RESOLUTION_S = 24 * 3600
MANY_MESSAGES = 3


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _unasked(kind: str) -> Any:
    return ~exists().where(Survey.conversation_id == Conversation.id, Survey.kind == kind,
                           Survey.status == "answered")


def _sentiment() -> Any:
    return func.coalesce(TriageDecision.corrected_sentiment, TriageDecision.sentiment)


def inferred_csat(*, session: Session, scope: Scope) -> list[Row]:
    """% of resolved, unsurveyed conversations whose customer sounded satisfied at the end."""
    c, f = Conversation, ConversationFacts
    # The closing tone is summed where messages are stored (`analytics/facts.py`).
    tone = cast(f.tone_sum, Float()) / f.tone_count
    inner = (select(bucket_of(c.resolved_at, scope).label("b"), dimension(scope.by).label("k"),
                    case((tone >= SATISFIED_TONE, 100.0), else_=0.0).label("v"))
             .select_from(c).join(f, f.conversation_id == c.id)
             .where(*conversation_filters(scope), c.status == "resolved",
                    *in_range(c.resolved_at, scope), f.tone_count > 0, _unasked("csat")))
    return grouped(session, scope, inner)


def _contains_any(text: Any, phrases: tuple[str, ...]) -> Any:
    return or_(*[func.lower(text).like(f"%{p}%") for p in phrases])


def inferred_nps(*, session: Session, scope: Scope) -> list[Row]:
    """Net promoters among customers who left public signals in each period (−100…100)."""
    m, c = Message, Conversation
    discourage = _contains_any(m.text, DISCOURAGE)
    negative = _sentiment() == "negative"
    shared = m.meta["kind"].as_string() == "share"
    promote = and_(~discourage, or_(_contains_any(m.text, RECOMMEND), shared,
                                    and_(m.text.like("%@%"), ~negative),
                                    _sentiment() == "positive"))
    detract = or_(discourage, negative)
    signals = (select(bucket_of(m.sent_at, scope).label("b"), dimension(scope.by).label("k"),
                      m.sender_contact_id.label("who"),
                      case((promote, 1), (detract, -1), else_=0).label("net"))
               .select_from(m).join(c, c.id == m.conversation_id)
               .join(TriageDecision, TriageDecision.message_id == m.id)
               .where(m.workspace_id == scope.workspace_id, m.direction == "inbound",
                      m.is_public.is_(True), *in_range(m.sent_at, scope),
                      *conversation_filters(scope))
               .subquery())
    total = func.sum(signals.c.net)
    per_customer = (select(signals.c.b, signals.c.k,
                           case((total > 0, 100.0), (total < 0, -100.0), else_=0.0).label("v"))
                    .group_by(signals.c.b, signals.c.k, signals.c.who))
    return grouped(session, scope, per_customer)


def effort_score(dialect: str, asks: Any, agents: Any) -> Any:
    """The SQL of a resolved conversation's inferred effort: 7 minus one point for each of
    a slow first reply, a slow resolution, many customer messages (`asks`), more than one
    agent (`agents`), a switch of channel before it, and a new contact within a week."""
    c, d = Conversation, dialect
    other = aliased(Conversation)
    week = REPEAT_DAYS * 86400
    # A conversation merged into another is not a contact of its own (other.merged_into_id).
    switched = exists(select(other.id).where(
        other.contact_id == c.contact_id, other.id != c.id, other.merged_into_id.is_(None),
        other.channel_id != c.channel_id,
        other.first_message_at < c.first_message_at,
        seconds_between(d, c.first_message_at, other.first_message_at) <= week))
    repeated = exists(select(other.id).where(
        other.contact_id == c.contact_id, other.id != c.id, other.merged_into_id.is_(None),
        other.first_message_at > c.resolved_at,
        seconds_between(d, other.first_message_at, c.resolved_at) <= week))
    frt = seconds_between(d, func.coalesce(c.first_response_at, c.resolved_at),
                          c.first_message_at)
    points = [
        case((frt > SLOW_FIRST_RESPONSE_S, 1), else_=0),
        case((seconds_between(d, c.resolved_at, c.first_message_at) > SLOW_RESOLUTION_S, 1),
             else_=0),
        case((asks > MANY_MESSAGES, 1), else_=0),
        case((agents > 1, 1), else_=0),
        case((switched, 1), else_=0),
        case((repeated, 1), else_=0),
    ]
    return literal(7.0) - sum(points[1:], points[0])


def inferred_ces(*, session: Session, scope: Scope) -> list[Row]:
    """Mean inferred effort score (1–7, higher is easier) of resolved, unsurveyed conversations."""
    c, f, d = Conversation, ConversationFacts, _dialect(session)
    # Message counts come from the conversation's facts (`analytics/facts.py`).
    asks = func.coalesce(f.inbound_count, 0)
    agents = func.coalesce(f.agent_count, 0)
    score = effort_score(d, asks, agents)
    inner = (select(bucket_of(c.resolved_at, scope).label("b"), dimension(scope.by).label("k"),
                    cast(score, Float()).label("v"))
             .select_from(c).outerjoin(f, f.conversation_id == c.id)
             .where(*conversation_filters(scope), c.status == "resolved",
                    *in_range(c.resolved_at, scope), _unasked("ces")))
    return grouped(session, scope, inner)
