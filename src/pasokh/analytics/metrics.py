"""Service metrics as set-based SQL: volume, response and resolution times, reopens, SLA, backlog.

Every function returns `Row`s (period, breakdown key, count, value); docs/metrics.md defines
each one. Durations are in seconds of calendar time; `business_*` variants take a calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.orm import Session, aliased

from pasokh.analytics.models import ConversationFacts, ConversationTurn
from pasokh.analytics.sql import (
    Row,
    Scope,
    bucket_of,
    conversation_filters,
    dimension,
    grouped,
    in_range,
    scope_filters,
    seconds_between,
)
from pasokh.audit.models import AuditEvent
from pasokh.db import UTCDateTime
from pasokh.inbox.models import Conversation, Message
from pasokh.routing.models import ConversationRouting

REPEAT_DAYS = 7
# Default SLA targets in minutes (first response, resolution) per priority; a workspace
# overrides them in settings["metrics"]["sla"].
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    "urgent": (15, 4 * 60), "high": (60, 8 * 60), "normal": (4 * 60, 24 * 60),
    "low": (8 * 60, 72 * 60),
}
BusinessMinutes = Callable[[datetime, datetime], float]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _conversations(scope: Scope, at: Any, v: Any) -> Any:
    return (select(bucket_of(at, scope).label("b"), dimension(scope.by).label("k"),
                   v.label("v"))
            .select_from(Conversation)
            .where(*conversation_filters(scope), *in_range(at, scope)))


def volume(*, session: Session, scope: Scope) -> list[Row]:
    """Conversations started in each period."""
    inner = _conversations(scope, Conversation.first_message_at, cast(null(), Float()))
    return grouped(session, scope, inner, agg="none")


def inbound_messages(*, session: Session, scope: Scope) -> list[Row]:
    """Customer messages received in each period (notes and replies excluded)."""
    m = Message
    at = m.sent_at
    inner = (select(bucket_of(at, scope).label("b"), dimension(scope.by).label("k"),
                     cast(null(), Float()).label("v"))
             .select_from(m)
             .where(m.workspace_id == scope.workspace_id, m.direction == "inbound",
                    m.kind == "message", *in_range(at, scope)))
    if scope.by is not None or scope_filters(scope):
        # Only a breakdown or a filter needs the conversation; without one the covering
        # index (workspace, sent_at, direction, kind) answers alone.
        inner = inner.join(Conversation, Conversation.id == m.conversation_id).where(
            *conversation_filters(scope))
    return grouped(session, scope, inner, agg="none")


def first_response_human(*, session: Session, scope: Scope) -> list[Row]:
    """Mean seconds from a conversation's first message to its first human reply."""
    c = Conversation
    inner = _conversations(scope, c.first_message_at, seconds_between(
        _dialect(session), c.first_response_at, c.first_message_at)
    ).where(c.first_response_at.is_not(None))
    return grouped(session, scope, inner)


def unanswered(*, session: Session, scope: Scope) -> list[Row]:
    """Conversations started in each period that no human has answered yet."""
    inner = _conversations(scope, Conversation.first_message_at, cast(null(), Float())
                           ).where(Conversation.first_response_at.is_(None))
    return grouped(session, scope, inner, agg="none")


def first_response_bot(*, session: Session, scope: Scope) -> list[Row]:
    """Mean seconds from a conversation's first message to the bot's first reply."""
    c, f = Conversation, ConversationFacts
    inner = _conversations(scope, c.first_message_at, seconds_between(
        _dialect(session), f.first_bot_reply_at, c.first_message_at)
    ).join(f, f.conversation_id == c.id).where(f.first_bot_reply_at.is_not(None))
    return grouped(session, scope, inner)


def next_response_human(*, session: Session, scope: Scope) -> list[Row]:
    """Mean seconds from each later customer turn to the human reply that follows it.

    A turn is a run of consecutive customer messages; bot, system and note messages are
    skipped, so a bot's answer never stops the clock. The turns are numbered where messages
    are stored (`analytics/facts.py`), which keeps only the later turns: the first turn is
    the first response, not counted here.
    """
    t, c = ConversationTurn, Conversation
    inner = (select(bucket_of(t.asked_at, scope).label("b"), dimension(scope.by).label("k"),
                    seconds_between(_dialect(session), t.replied_at, t.asked_at).label("v"))
             .select_from(t)
             .where(t.workspace_id == scope.workspace_id, *in_range(t.asked_at, scope)))
    if scope.by is not None or scope_filters(scope):
        # Without a breakdown or a filter the turns index answers alone.
        inner = inner.join(c, c.id == t.conversation_id).where(*conversation_filters(scope))
    return grouped(session, scope, inner)


def resolution(*, session: Session, scope: Scope) -> list[Row]:
    """Mean seconds from first message to (final) resolution, by period of resolution."""
    c = Conversation
    inner = _conversations(scope, c.resolved_at, seconds_between(
        _dialect(session), c.resolved_at, c.first_message_at)).where(c.status == "resolved")
    return grouped(session, scope, inner)


def reopen_rate(*, session: Session, scope: Scope) -> list[Row]:
    """Share of conversations resolved at least once that an agent later reopened."""
    a = AuditEvent
    # Resolutions and reopens happen after the conversation started, so events before the
    # range cannot belong to a conversation in it.
    log = (select(a.target_id.label("tid"),
                  func.min(case((a.action == "conversation.resolved", a.id))).label("res"),
                  func.max(case((a.action == "conversation.open", a.id))).label("reopen"))
           .where(a.workspace_id == scope.workspace_id,
                  a.action.in_(("conversation.resolved", "conversation.open")),
                  a.target_type == "conversation", a.created_at >= scope.start)
           .group_by(a.target_id).subquery())
    c = Conversation
    flag = case((log.c.reopen > log.c.res, 1.0), else_=0.0)
    inner = (select(bucket_of(c.first_message_at, scope).label("b"),
                    dimension(scope.by).label("k"), flag.label("v"))
             .select_from(log).join(c, c.id == cast(log.c.tid, Integer()))
             .where(*conversation_filters(scope), *in_range(c.first_message_at, scope),
                    log.c.res.is_not(None)))
    return grouped(session, scope, inner)


def repeat_contact_rate(*, session: Session, scope: Scope) -> list[Row]:
    """Share of resolved conversations whose customer came back within 7 days (any channel)."""
    c, later = Conversation, aliased(Conversation)
    came_back = exists(select(later.id).where(
        later.contact_id == c.contact_id, later.id != c.id, later.merged_into_id.is_(None),
        later.first_message_at > c.resolved_at,
        seconds_between(_dialect(session), later.first_message_at, c.resolved_at)
        <= REPEAT_DAYS * 86400))
    inner = _conversations(scope, c.resolved_at, case((came_back, 1.0), else_=0.0)
                           ).where(c.status == "resolved")
    return grouped(session, scope, inner)


def _target(targets: dict[str, tuple[int, int]], which: int) -> Any:
    return case(*[(Conversation.priority == p, t[which] * 60.0) for p, t in targets.items()],
                else_=targets["normal"][which] * 60.0)


def sla_attainment(*, session: Session, scope: Scope, which: str = "first_response",
                   targets: dict[str, tuple[int, int]] | None = None) -> list[Row]:
    """Share of conversations that met their target; still-running clocks count once breached.

    The due time routing stored (on business hours) wins; conversations routing never saw
    fall back to calendar-minute `targets` per priority.
    """
    c, r, dialect = Conversation, ConversationRouting, _dialect(session)
    targets = targets or DEFAULT_SLA
    first = which == "first_response"
    done, due = (c.first_response_at, r.first_response_due) if first else \
        (c.resolved_at, r.resolution_due)
    limit = _target(targets, 0 if first else 1)
    now = literal(scope.now, UTCDateTime())
    flag = case((due.is_not(None) & done.is_not(None), case((done <= due, 1.0), else_=0.0)),
                (due.is_not(None), case((now > due, 0.0), else_=None)),
                (done.is_not(None) & (seconds_between(dialect, done, c.first_message_at)
                                      <= limit), 1.0),
                (done.is_not(None), 0.0),
                (seconds_between(dialect, now, c.first_message_at) > limit, 0.0),
                else_=None)
    inner = _conversations(scope, c.first_message_at, flag).outerjoin(
        r, r.conversation_id == c.id)
    return grouped(session, scope, inner)


def backlog(*, session: Session, scope: Scope) -> list[Row]:
    """Conversations open at the end of each period (started before it, not yet resolved)."""
    c = Conversation
    key = dimension(scope.by)
    # resolved_at is set exactly while a conversation is resolved (reopening clears it), so
    # open before the range = started before it - resolved before it
    #                       = unresolved now - started since - resolved since:
    # an index range from the start on and the few unresolved, never the whole history.
    before: dict[str | None, int] = defaultdict(int)
    for where, sign in ((c.resolved_at.is_(None), 1), (c.first_message_at >= scope.start, -1),
                        (c.resolved_at >= scope.start, 1)):
        stmt = select(key, func.count()).where(*conversation_filters(scope), where).group_by(key)
        for k, n in session.execute(stmt):
            before[k] += sign * int(n)
    delta: dict[tuple[str, str | None], int] = defaultdict(int)
    for row in volume(session=session, scope=scope):
        delta[row.period, row.key] += row.count
    resolved = _conversations(scope, c.resolved_at, cast(null(), Float()))
    for row in grouped(session, scope, resolved, agg="none"):
        delta[row.period, row.key] -= row.count
    # A key with conversations before the range has rows even when none is open.
    known = select(key).where(*conversation_filters(scope), c.first_message_at < scope.start)
    if scope.by is None:  # one index probe
        known_keys = {None} if session.scalar(select(exists(known))) else set()
    else:  # breakdowns are not on the dashboard; their keys are few
        known_keys = set(session.scalars(known.group_by(key)))
    keys = sorted(known_keys | {k for k, n in before.items() if n} | {k for _p, k in delta},
                  key=lambda k: (k is None, k or ""))
    out: list[Row] = []
    running = dict(before)
    for b in scope.buckets:
        for k in keys:
            running[k] = running.get(k, 0) + delta.get((b.label, k), 0)
            out.append(Row(b.label, k, running[k], None))
    return out


def business_first_response(*, session: Session, scope: Scope,
                            business_minutes: BusinessMinutes) -> list[Row]:
    """Mean first human response in business seconds, per the workspace calendar.

    The calendar is arbitrary Python (holidays, half days), so the pairs of times are read
    and measured here; only conversations in scope are read.
    """
    c = Conversation
    stmt = (select(bucket_of(c.first_message_at, scope), dimension(scope.by),
                   c.first_message_at, c.first_response_at)
            .where(*conversation_filters(scope), *in_range(c.first_message_at, scope),
                   c.first_response_at.is_not(None)))
    sums: dict[tuple[int, str | None], list[float]] = defaultdict(lambda: [0, 0.0])
    for b, k, start, end in session.execute(stmt):
        cell = sums[int(b), k]
        cell[0] += 1
        cell[1] += business_minutes(start, end) * 60.0
    labels = [b.label for b in scope.buckets]
    return [Row(labels[b], k, int(n), total / n)
            for (b, k), (n, total) in sorted(sums.items(), key=lambda i: (i[0][0], i[0][1] or ""))]
