"""Read conversations and messages: filters, queue order and keyset pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.errors import BadRequest, NotFound
from pasokh.inbox.models import OPEN_STATUSES, Conversation, Message, TriageDecision
from pasokh.inbox.schemas import ConversationPage, ConversationRead
from pasokh.ingest.schemas import MessagePage, MessageRead, TriageRead
from pasokh.pagination import decode_cursor, encode_cursor
from pasokh.types import CATEGORIES, CONVERSATION_STATUSES, PRIORITIES, SENTIMENTS

ORDERS = ("queue", "recent")


@dataclass(frozen=True)
class ConversationFilter:
    """Which conversations to list; None means "any"."""

    status: str | None = "unresolved"
    channel: str | None = None
    priority: str | None = None
    category: str | None = None
    sentiment: str | None = None
    language: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    contact_id: int | None = None

    def check(self) -> None:
        """Refuse unknown values with a sentence naming the allowed ones."""
        allowed = {
            "status": (*CONVERSATION_STATUSES, "unresolved"),
            "priority": PRIORITIES, "category": CATEGORIES, "sentiment": SENTIMENTS,
        }
        for field, values in allowed.items():
            value = getattr(self, field)
            if value is not None and value not in values:
                raise BadRequest(f"Unknown {field} '{value[:32]}': use one of {', '.join(values)}.")


def _filtered(query: Any, workspace_id: int, f: ConversationFilter) -> Any:
    query = query.where(Conversation.workspace_id == workspace_id)
    if f.status == "unresolved":
        query = query.where(Conversation.status.in_(OPEN_STATUSES))
    elif f.status is not None:
        query = query.where(Conversation.status == f.status)
    if f.channel is not None:
        query = query.where(Channel.key == f.channel)
    for column, value in ((Conversation.priority, f.priority), (Conversation.category, f.category),
                          (Conversation.sentiment, f.sentiment),
                          (Conversation.language, f.language),
                          (Conversation.assignee_id, f.assignee_id),
                          (Conversation.contact_id, f.contact_id)):
        if value is not None:
            query = query.where(column == value)
    if f.unassigned:
        query = query.where(Conversation.assignee_id.is_(None))
    return query


def _after_queue(cursor: list[object]) -> object:
    rank, waiting, last_id = cursor
    c = Conversation
    if waiting is None:
        return or_(c.priority_rank > rank,
                   and_(c.priority_rank == rank, c.waiting_since.is_(None), c.id > last_id))
    w = datetime.fromisoformat(str(waiting))
    return or_(c.priority_rank > rank,
               and_(c.priority_rank == rank,
                    or_(c.waiting_since.is_(None), c.waiting_since > w,
                        and_(c.waiting_since == w, c.id > last_id))))


def _after_recent(cursor: list[object]) -> object:
    last_at, last_id = cursor
    at = datetime.fromisoformat(str(last_at))
    c = Conversation
    return or_(c.last_message_at < at, and_(c.last_message_at == at, c.id < last_id))


def list_conversations(
    *, session: Session, workspace_id: int, filters: ConversationFilter, order: str = "queue",
    limit: int = 50, cursor: str | None = None,
) -> ConversationPage:
    """One page of conversations: `queue` = most urgent, then longest waiting, first."""
    filters.check()
    if order not in ORDERS:
        raise BadRequest(f"Unknown order '{order[:20]}': use one of {', '.join(ORDERS)}.")
    query = _filtered(
        select(Conversation, Channel.key, Channel.kind, Contact.display_name)
        .join(Channel, Channel.id == Conversation.channel_id)
        .join(Contact, Contact.id == Conversation.contact_id),
        workspace_id, filters,
    )
    if order == "queue":
        if cursor:
            query = query.where(_after_queue(decode_cursor(cursor, length=3)))
        query = query.order_by(Conversation.priority_rank,
                               Conversation.waiting_since.asc().nulls_last(), Conversation.id)
    else:
        if cursor:
            query = query.where(_after_recent(decode_cursor(cursor, length=2)))
        query = query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    rows: list[Any] = list(session.execute(query.limit(limit + 1)).all())
    items = [_conversation_read(c, key, kind, name) for c, key, kind, name in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(
            [last.priority_rank, last.waiting_since.isoformat() if last.waiting_since else None,
             last.id] if order == "queue" else [last.last_message_at.isoformat(), last.id]
        )
    return ConversationPage(items=items, next_cursor=next_cursor)


def _conversation_read(c: Conversation, key: str, kind: str, name: str) -> ConversationRead:
    return ConversationRead(
        id=c.id, channel=key, channel_kind=kind, contact_id=c.contact_id, contact_name=name,
        status=c.status, is_public=c.is_public, subject=c.subject, priority=c.priority,
        category=c.category, sentiment=c.sentiment, language=c.language,
        assignee_id=c.assignee_id, team_id=c.team_id, waiting_since=c.waiting_since,
        first_message_at=c.first_message_at, last_message_at=c.last_message_at,
        first_response_at=c.first_response_at, resolved_at=c.resolved_at,
        message_count=c.message_count,
    )


def get_conversation(*, session: Session, workspace_id: int, conversation_id: int
                     ) -> ConversationRead:
    """One conversation of the workspace, or NotFound (also for another workspace's)."""
    row = session.execute(
        select(Conversation, Channel.key, Channel.kind, Contact.display_name)
        .join(Channel, Channel.id == Conversation.channel_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.id == conversation_id, Conversation.workspace_id == workspace_id)
    ).first()
    if row is None:
        raise NotFound(f"There is no conversation {conversation_id} in this workspace.")
    return _conversation_read(*row)


def message_read(message: Message, channel_key: str, decision: TriageDecision | None
                 ) -> MessageRead:
    """The API view of a stored message and its triage."""
    triage = None
    if decision is not None:
        triage = TriageRead(
            category=decision.corrected_category or decision.category,
            category_confidence=decision.category_confidence,
            sentiment=decision.corrected_sentiment or decision.sentiment,
            sentiment_score=decision.sentiment_score,
            priority=decision.corrected_priority or decision.priority,
            language=decision.language, confidence=decision.confidence,
            reasons=list(decision.reasons), needs_review=decision.needs_review,
            model_version=decision.model_version,
        )
    return MessageRead(
        id=message.id, conversation_id=message.conversation_id,
        contact_id=message.sender_contact_id, channel=channel_key,
        direction=message.direction, kind=message.kind, sender_type=message.sender_type,
        text=message.text, is_public=message.is_public,
        provider_message_id=message.provider_message_id, sent_at=message.sent_at,
        created_at=message.created_at, triage=triage,
    )


def _messages_query(workspace_id: int) -> Any:
    return (
        select(Message, Channel.key, TriageDecision)
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(TriageDecision, TriageDecision.message_id == Message.id)
        .where(Message.workspace_id == workspace_id)
    )


def list_messages(*, session: Session, workspace_id: int, conversation_id: int,
                  limit: int = 50, cursor: str | None = None) -> MessagePage:
    """A conversation's messages, oldest first."""
    get_conversation(session=session, workspace_id=workspace_id,
                     conversation_id=conversation_id)
    query = _messages_query(workspace_id).where(Message.conversation_id == conversation_id)
    if cursor:
        (after_id,) = decode_cursor(cursor, length=1)
        query = query.where(Message.id > int(after_id))
    rows: list[Any] = list(session.execute(query.order_by(Message.id).limit(limit + 1)).all())
    items = [message_read(m, key, d) for m, key, d in rows[:limit]]
    next_cursor = encode_cursor([rows[limit - 1][0].id]) if len(rows) > limit else None
    return MessagePage(items=items, next_cursor=next_cursor)


def get_message(*, session: Session, workspace_id: int, message_id: int) -> MessageRead:
    """One message of the workspace, or NotFound."""
    row = session.execute(_messages_query(workspace_id).where(Message.id == message_id)).first()
    if row is None:
        raise NotFound(f"There is no message {message_id} in this workspace.")
    message, key, decision = row
    return message_read(message, key, decision)
