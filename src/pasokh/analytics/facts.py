"""Per-conversation facts and customer turns, kept up to date where messages are stored.

The dashboard used to probe every conversation's timeline on each view (bot first
response, inferred CSAT and CES) and to number the turns of every message in range (next
response). These tables hold those facts once:

- `record_inbound` — ingest, after storing a customer message and its triage decision:
  one upsert; a message dated before the last human reply (a late delivery) also rebuilds
  that conversation's turns.
- `refresh_conversations` — after a reply, a resolution or reopen, a merge: recompute the
  conversations' facts and turns from their timelines (four statements, index reads of
  those conversations only).
- `rebuild` — every conversation in one set-based pass (migration 0004, bench seeding).

Each fact is the definition's own query (docs/metrics.md) run once per conversation;
`tests/analytics/reference.py` keeps the per-view queries and the tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from pasokh.analytics.models import ConversationFacts, ConversationTurn
from pasokh.db import padded
from pasokh.inbox.models import Conversation, Message, TriageDecision

Executor = Session | Connection
FACT_COLUMNS = ("conversation_id", "inbound_count", "agent_count", "first_bot_reply_at",
                "last_reply_at", "last_human_reply_at", "tone_sum", "tone_count")


def record_inbound(session: Session, *, conversation_id: int, sent_at: datetime,
                   sentiment_score: float | None) -> None:
    """Count a customer message just stored by ingest (with its triage sentiment score)."""
    f = ConversationFacts
    dialect = session.get_bind().dialect.name
    # Only messages after the final reply carry the closing tone (NULL: no reply yet).
    after_reply = f.last_reply_at < sent_at
    score = 0.0 if sentiment_score is None else sentiment_score
    counted = 0 if sentiment_score is None else 1  # no triage decision: no tone
    values = {"conversation_id": conversation_id, "inbound_count": 1, "agent_count": 0,
              "tone_sum": 0.0, "tone_count": 0}
    changes = {"inbound_count": f.inbound_count + 1,
               "tone_sum": case((after_reply, f.tone_sum + score), else_=f.tone_sum),
               "tone_count": case((after_reply, f.tone_count + counted), else_=f.tone_count)}
    if dialect == "postgresql":
        pg = postgresql.insert(f).values(values)
        stmt: Any = pg.on_conflict_do_update(index_elements=[f.conversation_id], set_=changes)
    else:
        lite = sqlite.insert(f).values(values)
        stmt = lite.on_conflict_do_update(index_elements=[f.conversation_id], set_=changes)
    stmt = stmt.returning(f.last_human_reply_at)
    last_human = session.execute(stmt).scalar_one_or_none()
    if last_human is not None and sent_at < last_human:
        # Delivered late, into an earlier turn: renumber this conversation's turns.
        _refresh_turns(session, [conversation_id])


_MANY: dict[str, Any] = {}


def _record_many_statement(dialect: str) -> Any:
    """`record_inbound` as one statement for many rows (built once per dialect)."""
    statement = _MANY.get(dialect)
    if statement is None:
        f = ConversationFacts.__table__.c
        sent_at = bindparam("_sent_at", type_=ConversationFacts.last_reply_at.type)
        after_reply = f.last_reply_at < sent_at
        changes = {"inbound_count": f.inbound_count + 1,
                   "tone_sum": case((after_reply, f.tone_sum + bindparam("_score")),
                                    else_=f.tone_sum),
                   "tone_count": case((after_reply, f.tone_count + bindparam("_counted")),
                                      else_=f.tone_count)}
        module: Any = postgresql if dialect == "postgresql" else sqlite
        statement = _MANY[dialect] = module.insert(ConversationFacts.__table__).values(
            conversation_id=bindparam("_id"), inbound_count=1, agent_count=0,
            tone_sum=0.0, tone_count=0,
        ).on_conflict_do_update(index_elements=[f.conversation_id], set_=changes)
    return statement


def record_inbound_many(connection: Connection,
                        rows: Sequence[tuple[int, datetime, float | None]]) -> None:
    """`record_inbound` for a batch of stored customer messages, in order:
    (conversation id, sent at, sentiment score or None). Two statements in all."""
    if not rows:
        return
    connection.execute(_record_many_statement(connection.dialect.name), [
        {"_id": cid, "_sent_at": sent_at, "_score": 0.0 if score is None else score,
         "_counted": 0 if score is None else 1} for cid, sent_at, score in rows])
    earliest: dict[int, datetime] = {}
    for cid, sent_at, _ in rows:
        earliest[cid] = min(sent_at, earliest.get(cid, sent_at))
    f = ConversationFacts
    late = [cid for cid, last in connection.execute(
        select(f.conversation_id, f.last_human_reply_at)
        .where(f.conversation_id.in_(padded(sorted(earliest))),
               f.last_human_reply_at.is_not(None)))
        if last is not None and earliest[cid] < last]
    if late:  # delivered late, into an earlier turn: renumber those conversations' turns
        _refresh_turns(connection, late)


def refresh_conversations(session: Session, conversation_ids: Sequence[int]) -> None:
    """Recompute the facts and turns of these conversations from their timelines."""
    if not conversation_ids:
        return
    ids = sorted(set(conversation_ids))
    session.flush()  # the ORM's pending messages and status changes are part of the timeline
    _refresh_facts(session, ids)
    _refresh_turns(session, ids)


def rebuild(connection: Connection) -> None:
    """Recompute the facts and turns of every conversation (set-based, one pass each)."""
    _refresh_facts(connection, None)
    _refresh_turns(connection, None)


def _only(column: Any, ids: list[int] | None) -> Any:
    return true() if ids is None else column.in_(ids)


def _refresh_facts(session: Executor, ids: list[int] | None) -> None:
    f, m = ConversationFacts, Message
    session.execute(delete(f).where(_only(f.conversation_id, ids)))
    said = (m.direction == "inbound") & (m.kind == "message")
    agent = (m.sender_type == "agent") & (m.kind == "message")
    reply = (m.direction == "outbound") & (m.kind == "message")
    timeline = (select(
        m.conversation_id.label("cid"),
        func.count(case((said, 1))).label("inbound_count"),
        func.count(func.distinct(case((agent, m.sender_user_id)))).label("agent_count"),
        func.min(case((reply & (m.sender_type == "bot"), m.sent_at))).label("first_bot"),
        func.max(case((reply & m.sender_type.in_(("agent", "bot")), m.sent_at))).label("last"),
        func.max(case((reply & (m.sender_type == "agent"), m.sent_at))).label("human"))
        .where(_only(m.conversation_id, ids)).group_by(m.conversation_id).subquery())
    after = aliased(Message)

    def tone(value: Any) -> Any:
        return (select(value).select_from(after)
                .join(TriageDecision, TriageDecision.message_id == after.id)
                .where(after.conversation_id == timeline.c.cid, after.direction == "inbound",
                       after.kind == "message", after.sent_at > timeline.c.last)
                .scalar_subquery())

    tone_sum = tone(func.coalesce(func.sum(TriageDecision.sentiment_score), 0.0))
    tone_count = tone(func.count(TriageDecision.id))
    rows = select(timeline.c.cid, timeline.c.inbound_count, timeline.c.agent_count,
                  timeline.c.first_bot, timeline.c.last, timeline.c.human, tone_sum,
                  tone_count)
    session.execute(insert(f).from_select(FACT_COLUMNS, rows))


def _refresh_turns(session: Executor, ids: list[int] | None) -> None:
    """Number the turns (a running count of human replies), pair each with its reply."""
    t, m = ConversationTurn, Message
    session.execute(delete(t).where(_only(t.conversation_id, ids)))
    is_reply = case((m.direction == "outbound", 1), else_=0)
    seq = (select(m.conversation_id.label("cid"), m.sent_at.label("t"), m.direction.label("d"),
                  (func.sum(is_reply).over(partition_by=m.conversation_id,
                                           order_by=(m.sent_at, m.id), rows=(None, 0))
                   - is_reply).label("turn"))
           .where(m.kind == "message", m.sender_type.in_(("contact", "agent")),
                  _only(m.conversation_id, ids))
           .subquery())
    ask = func.min(case((seq.c.d == "inbound", seq.c.t)))
    answer = func.min(case((seq.c.d == "outbound", seq.c.t)))
    turns = (select(seq.c.cid, ask.label("ask"), answer.label("reply"))
             .group_by(seq.c.cid, seq.c.turn)
             .having(ask.is_not(None), answer.is_not(None)).subquery())
    # The first turn is the first response, never a next one: only later turns are kept
    # (first_message_at changes only on a merge, which refreshes both conversations).
    rows = (select(Conversation.workspace_id, turns.c.cid, turns.c.ask, turns.c.reply)
            .join(Conversation, Conversation.id == turns.c.cid)
            .where(turns.c.ask > Conversation.first_message_at))
    session.execute(insert(t).from_select(
        ("workspace_id", "conversation_id", "asked_at", "replied_at"), rows))

