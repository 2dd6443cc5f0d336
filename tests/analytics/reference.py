"""The metrics that now read `analytics/facts.py`, as straightforward per-view queries.

These are the definitions of docs/metrics.md read straight from the messages and the
conversations on every call: slow on a large workspace, obviously right on a small one.
The dashboard never calls them; the tests hold the fast tables equal to them on the same
data (tests/analytics/test_fast_path.py).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Float, case, cast, func, null, select, type_coerce
from sqlalchemy.orm import Session, aliased

from pasokh.analytics.inferred import (
    SATISFIED_TONE,
    _unasked,
    effort_score,
)
from pasokh.analytics.metrics import _conversations, _dialect, volume
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
from pasokh.db import UTCDateTime
from pasokh.inbox.models import Conversation, Message, TriageDecision


def first_response_bot(*, session: Session, scope: Scope) -> list[Row]:
    """Mean seconds from a conversation's first message to the bot's first reply."""
    c, m = Conversation, Message
    # Per conversation in range, one probe of (conversation_id, id): never a messages scan.
    bot_at = (select(func.min(m.sent_at)).where(
        m.conversation_id == c.id, m.sender_type == "bot", m.direction == "outbound",
        m.kind == "message").scalar_subquery())
    per = (select(c.first_message_at.label("first"), dimension(scope.by).label("k"),
                  bot_at.label("t"))
           .where(*conversation_filters(scope), *in_range(c.first_message_at, scope))
           .subquery())
    at = type_coerce(per.c.first, UTCDateTime())
    inner = (select(bucket_of(at, scope).label("b"), per.c.k.label("k"),
                    seconds_between(_dialect(session), type_coerce(per.c.t, UTCDateTime()),
                                    at).label("v"))
             .where(per.c.t.is_not(None)))
    return grouped(session, scope, inner)


def next_response_human(*, session: Session, scope: Scope) -> list[Row]:
    """Mean seconds from each later customer turn to the human reply that follows it.

    A turn is a run of consecutive customer messages; bot, system and note messages are
    skipped, so a bot's answer never stops the clock. One window pass numbers the turns (a
    running count of replies), one GROUP BY pairs each turn's first message with the first
    reply after it: no self-join.
    """
    m, c = Message, Conversation
    is_reply = case((m.direction == "outbound", 1), else_=0)
    seq = (select(m.conversation_id.label("cid"), m.sent_at.label("t"), m.direction.label("d"),
                  c.first_message_at.label("first"), dimension(scope.by).label("k"),
                  (func.sum(is_reply).over(partition_by=m.conversation_id,
                                           order_by=(m.sent_at, m.id), rows=(None, 0))
                   - is_reply).label("turn"))
           .select_from(m).join(c, c.id == m.conversation_id)
           .where(m.kind == "message",  # the workspace is the conversations' filter
                  m.sender_type.in_(("contact", "agent")), *conversation_filters(scope))
           .subquery())
    turns = (select(
        type_coerce(func.min(case((seq.c.d == "inbound", seq.c.t))), UTCDateTime()).label("ask"),
        type_coerce(func.min(case((seq.c.d == "outbound", seq.c.t))), UTCDateTime()
                    ).label("reply"),
        func.min(seq.c.first).label("first"), func.min(seq.c.k).label("k"))
        .group_by(seq.c.cid, seq.c.turn).subquery())
    inner = (select(bucket_of(turns.c.ask, scope).label("b"), turns.c.k.label("k"),
                    seconds_between(_dialect(session), turns.c.reply, turns.c.ask).label("v"))
             .where(turns.c.reply.is_not(None), turns.c.ask > turns.c.first,
                    *in_range(turns.c.ask, scope)))
    return grouped(session, scope, inner)


def backlog(*, session: Session, scope: Scope) -> list[Row]:
    """Conversations open at the end of each period (started before it, not yet resolved)."""
    c = Conversation
    key = dimension(scope.by)
    before: dict[str | None, int] = defaultdict(int)
    # resolved_at is set exactly while a conversation is resolved (reopening clears it), so
    # both counts read only the (workspace, time) indexes.
    for at, sign in ((c.first_message_at, 1), (c.resolved_at, -1)):
        stmt = (select(key, func.count()).where(*conversation_filters(scope),
                                                at < scope.start).group_by(key))
        for k, n in session.execute(stmt):
            before[k] += sign * int(n)
    delta: dict[tuple[str, str | None], int] = defaultdict(int)
    for row in volume(session=session, scope=scope):
        delta[row.period, row.key] += row.count
    resolved = _conversations(scope, c.resolved_at, cast(null(), Float()))
    for row in grouped(session, scope, resolved, agg="none"):
        delta[row.period, row.key] -= row.count
    keys = sorted(set(before) | {k for _p, k in delta}, key=lambda k: (k is None, k or ""))
    out: list[Row] = []
    running = dict(before)
    for b in scope.buckets:
        for k in keys:
            running[k] = running.get(k, 0) + delta.get((b.label, k), 0)
            out.append(Row(b.label, k, running[k], None))
    return out


def inferred_csat(*, session: Session, scope: Scope) -> list[Row]:
    """% of resolved, unsurveyed conversations whose customer sounded satisfied at the end."""
    m, c = Message, Conversation
    # Per conversation in range, one probe of its timeline: never a scan of all messages.
    last_reply = (select(func.max(m.sent_at)).where(
        m.conversation_id == c.id, m.direction == "outbound", m.kind == "message",
        m.sender_type.in_(("agent", "bot"))).scalar_subquery())
    per = (select(c.id.label("cid"), c.resolved_at.label("at"), dimension(scope.by).label("k"),
                  last_reply.label("t"))
           .where(*conversation_filters(scope), c.status == "resolved",
                  *in_range(c.resolved_at, scope), _unasked("csat"))
           .offset(0).subquery())  # kept whole, so the tone below is probed per conversation
    after = aliased(Message)
    tone = (select(func.avg(TriageDecision.sentiment_score))
            .select_from(after).join(TriageDecision, TriageDecision.message_id == after.id)
            .where(after.conversation_id == per.c.cid, after.direction == "inbound",
                   after.kind == "message", after.sent_at > per.c.t)
            .scalar_subquery())
    scored = select(per.c.at, per.c.k, tone.label("s")).offset(0).subquery()
    at = type_coerce(scored.c.at, UTCDateTime())
    inner = (select(bucket_of(at, scope).label("b"), scored.c.k.label("k"),
                    case((scored.c.s >= SATISFIED_TONE, 100.0), else_=0.0).label("v"))
             .where(scored.c.s.is_not(None)))
    return grouped(session, scope, inner)


def inferred_ces(*, session: Session, scope: Scope) -> list[Row]:
    """Mean inferred effort score (1–7, higher is easier) of resolved, unsurveyed conversations."""
    m, c, d = Message, Conversation, _dialect(session)
    # Counted per conversation from its timeline index: never a scan of all messages.
    asks = (select(func.count()).where(m.conversation_id == c.id, m.direction == "inbound",
                                       m.kind == "message").scalar_subquery())
    agents = (select(func.count(func.distinct(m.sender_user_id))).where(
        m.conversation_id == c.id, m.sender_type == "agent", m.kind == "message")
        .scalar_subquery())
    score = effort_score(d, asks, agents)
    inner = (select(bucket_of(c.resolved_at, scope).label("b"), dimension(scope.by).label("k"),
                    cast(score, Float()).label("v"))
             .where(*conversation_filters(scope), c.status == "resolved",
                    *in_range(c.resolved_at, scope), _unasked("ces")))
    return grouped(session, scope, inner)

