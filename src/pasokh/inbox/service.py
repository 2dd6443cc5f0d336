"""Read conversations and messages: filters, queue order and keyset pagination."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.errors import BadRequest, NotFound
from pasokh.inbox.corrections import corrected
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.inbox.schemas import ConversationPage, ConversationRead
from pasokh.ingest.schemas import MessagePage, MessageRead, TriageRead
from pasokh.pagination import decode_cursor, encode_cursor
from pasokh.routing.models import ConversationRouting
from pasokh.types import CATEGORIES, CONVERSATION_STATUSES, PRIORITIES, SENTIMENTS
from pasokh.users.models import TeamMember

ORDERS = ("queue", "recent")
MAX_QUERY_CHARS = 200
# Search folds both sides the same way, in SQL and in Python: Arabic letter variants to
# Persian, ZWNJ/ZWJ and kashida removed, so «مي‌خواهم», «میخواهم» and «می‌خواهم» find each
# other. Digits are matched by trying the needle in each digit system instead (twenty more
# nested replace() calls overflow SQLite's parser).
_SEARCH_FOLD: tuple[tuple[str, str], ...] = (
    ("ي", "ی"), ("ى", "ی"), ("ك", "ک"), ("ة", "ه"), ("ۀ", "ه"), ("أ", "ا"), ("إ", "ا"),
    ("ٱ", "ا"), ("ؤ", "و"), ("\u200c", ""), ("\u200d", ""), ("\u0640", ""),
)
_DIGITS = {"ascii": "0123456789", "persian": "۰۱۲۳۴۵۶۷۸۹", "arabic": "٠١٢٣٤٥٦٧٨٩"}
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


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
    team_member_id: int | None = None  # conversations of the teams this user belongs to
    q: str | None = None  # Persian-aware text search
    tag: str | None = None  # a routing tag (set by routing rules)
    # a message the model was unsure of (needs_review) that nobody has corrected yet
    needs_review: bool = False

    def check(self) -> None:
        """Refuse unknown values with a sentence naming the allowed ones."""
        if self.q is not None and len(self.q) > MAX_QUERY_CHARS:
            raise BadRequest(f"The search is {len(self.q)} characters; the limit is "
                             f"{MAX_QUERY_CHARS}.",
                             fa=f"جست‌وجو {len(self.q)} نویسه است و سقف آن "
                             f"{MAX_QUERY_CHARS}.")
        allowed = {
            "status": (*CONVERSATION_STATUSES, "unresolved"),
            "priority": PRIORITIES, "category": CATEGORIES, "sentiment": SENTIMENTS,
        }
        for field, values in allowed.items():
            value = getattr(self, field)
            if value is not None and value not in values:
                raise BadRequest(
                    f"Unknown {field} '{value[:32]}': use one of {', '.join(values)}.",
                    fa=f"{field} «{value[:32]}» شناخته نیست؛ یکی از این‌ها را بگذارید: "
                    f"{'، '.join(values)}.")


def _filtered(query: Any, workspace_id: int, f: ConversationFilter) -> Any:
    """`query` narrowed by `f`; needs no join (the inbox counts read one index)."""
    query = query.where(Conversation.workspace_id == workspace_id)
    if f.status == "unresolved":
        # Spelled as the partial index's predicate (a literal, not a parameter) so that
        # both databases use ix_conversations_unresolved.
        query = query.where(Conversation.status != literal_column("'resolved'"))
    elif f.status is not None:
        query = query.where(Conversation.status == f.status)
    if f.channel is not None:
        query = query.where(Conversation.channel_id.in_(
            select(Channel.id).where(Channel.workspace_id == workspace_id,
                                     Channel.key == f.channel)))
    for column, value in ((Conversation.priority, f.priority), (Conversation.category, f.category),
                          (Conversation.sentiment, f.sentiment),
                          (Conversation.language, f.language),
                          (Conversation.assignee_id, f.assignee_id),
                          (Conversation.contact_id, f.contact_id)):
        if value is not None:
            query = query.where(column == value)
    if f.unassigned:
        query = query.where(Conversation.assignee_id.is_(None))
    if f.team_member_id is not None:
        query = query.where(Conversation.team_id.in_(
            select(TeamMember.team_id).where(TeamMember.user_id == f.team_member_id)))
    if f.q and f.q.strip():
        query = query.where(_matches(f.q, workspace_id))
    if f.tag:
        query = query.where(_tagged(f.tag))
    if f.needs_review:
        d = TriageDecision
        query = query.where(exists().where(
            d.conversation_id == Conversation.id, d.needs_review.is_(True), ~corrected()))
    return query


def _tagged(tag: str) -> ColumnElement[bool]:
    """Conversations whose routing carries `tag` (JSON list, matched as text on any backend)."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # SQLite stores JSON ASCII-escaped, PostgreSQL as UTF-8: try both spellings.
    spellings = {f'%"{escaped}"%', "%" + json.dumps(tag).replace("\\", "\\\\")
                 .replace("%", "\\%").replace("_", "\\_") + "%"}
    text_of_tags = cast(ConversationRouting.tags, Text)
    return exists().where(ConversationRouting.conversation_id == Conversation.id,
                          or_(*(text_of_tags.like(p, escape="\\") for p in sorted(spellings))))


def fold_for_search(text: str) -> str:
    """The search key of a text: letter variants and ZWNJ folded, lower case."""
    for old, new in _SEARCH_FOLD:
        text = text.replace(old, new)
    return " ".join(text.lower().split())


def _patterns(q: str) -> list[str]:
    needle = fold_for_search(q).translate(_TO_ASCII)
    needle = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    variants = {needle.translate(str.maketrans("0123456789", d)) for d in _DIGITS.values()}
    return sorted(f"%{v}%" for v in variants)


def _matches(q: str, workspace_id: int) -> ColumnElement[bool]:
    """Conversations whose customer name, subject or any message contains `q` (folded).

    Both sides are folded alike: the needle here, the stored `search_text` columns by the
    database's triggers (migration 0006). On PostgreSQL trigram indexes answer the LIKE.
    """
    patterns = _patterns(q)

    def like(column: SQLColumnExpression[str | None]) -> ColumnElement[bool]:
        return or_(*(column.like(p, escape="\\") for p in patterns))

    # `+ 0`: SQLite would otherwise walk a workspace index and fetch the rows one by one,
    # 3-4x slower than reading the table straight through (PostgreSQL uses the trigrams).
    in_messages = select(Message.conversation_id).where(
        Message.workspace_id + 0 == workspace_id, like(Message.search_text))
    return or_(like(Conversation.search_text), Conversation.id.in_(in_messages))


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
        raise BadRequest(f"Unknown order '{order[:20]}': use one of {', '.join(ORDERS)}.",
                         fa=f"ترتیب «{order[:20]}» شناخته نیست؛ یکی از این‌ها را بگذارید: "
                         f"{'، '.join(ORDERS)}.")
    c = Conversation
    if order == "queue":
        keys: tuple[Any, ...] = (c.priority_rank, c.waiting_since.asc().nulls_last(), c.id)
        after = _after_queue(decode_cursor(cursor, length=3)) if cursor else None
    else:
        keys = (c.last_message_at.desc(), c.id.desc())
        after = _after_recent(decode_cursor(cursor, length=2)) if cursor else None
    # The page's ids first, from an index in queue order, then their rows: the joins
    # and the wide columns are read for one page only, not for every match.
    page = _filtered(select(c.id), workspace_id, filters)
    if after is not None:
        page = page.where(after)
    page = page.order_by(*keys).limit(limit + 1).subquery()
    query = (select(c, Channel.key, Channel.kind, Channel.name, Contact.display_name)
             .join(page, page.c.id == c.id)
             .join(Channel, Channel.id == c.channel_id)
             .join(Contact, Contact.id == c.contact_id)
             .order_by(*keys))
    rows: list[Any] = list(session.execute(query).all())
    items = [_conversation_read(*row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(
            [last.priority_rank, last.waiting_since.isoformat() if last.waiting_since else None,
             last.id] if order == "queue" else [last.last_message_at.isoformat(), last.id]
        )
    return ConversationPage(items=items, next_cursor=next_cursor)


def _conversation_read(c: Conversation, key: str, kind: str, channel_name: str, name: str
                       ) -> ConversationRead:
    return ConversationRead(
        id=c.id, channel=key, channel_kind=kind, channel_name=channel_name,
        contact_id=c.contact_id, contact_name=name,
        status=c.status, is_public=c.is_public, subject=c.subject, priority=c.priority,
        category=c.category, sentiment=c.sentiment, language=c.language,
        assignee_id=c.assignee_id, team_id=c.team_id, waiting_since=c.waiting_since,
        first_message_at=c.first_message_at, last_message_at=c.last_message_at,
        first_response_at=c.first_response_at, resolved_at=c.resolved_at,
        message_count=c.message_count, merged_into_id=c.merged_into_id,
    )


def get_conversation(*, session: Session, workspace_id: int, conversation_id: int
                     ) -> ConversationRead:
    """One conversation of the workspace, or NotFound (also for another workspace's)."""
    row = session.execute(
        select(Conversation, Channel.key, Channel.kind, Channel.name, Contact.display_name)
        .join(Channel, Channel.id == Conversation.channel_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.id == conversation_id, Conversation.workspace_id == workspace_id)
    ).first()
    if row is None:
        raise NotFound(f"There is no conversation {conversation_id} in this workspace.",
                       fa=f"گفت‌وگوی {conversation_id} در این فضای کاری نیست.")
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
        raise NotFound(f"There is no message {message_id} in this workspace.",
                       fa=f"پیام {message_id} در این فضای کاری نیست.")
    message, key, decision = row
    return message_read(message, key, decision)


def explaining_triage(*, session: Session, conversation_ids: list[int]
                      ) -> dict[int, TriageDecision]:
    """The triage decision that explains each conversation's priority (one query): the
    newest at the conversation's current priority, else the newest.

    A conversation keeps the highest priority any of its messages earned, so an urgent
    complaint followed by "[photo]" stays urgent; its reasons are the complaint's, not the
    photo's.
    """
    if not conversation_ids:
        return {}
    d = TriageDecision
    explains = func.coalesce(d.corrected_priority, d.priority) == Conversation.priority
    ranked = (select(d.id, func.row_number().over(
        partition_by=d.conversation_id,
        order_by=(case((explains, 0), else_=1), d.id.desc())).label("rank"))
        .join(Conversation, Conversation.id == d.conversation_id)
        .where(d.conversation_id.in_(conversation_ids))
        .subquery())
    rows = session.scalars(select(d).where(
        d.id.in_(select(ranked.c.id).where(ranked.c.rank == 1)))).all()
    return {row.conversation_id: row for row in rows}
