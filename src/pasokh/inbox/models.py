"""Conversations, their messages, and the triage decision made on each message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from pasokh.db import Base, BigId, UTCDateTime, utcnow
from pasokh.types import JSONType

OPEN_STATUSES = ("open", "pending", "snoozed")
QUEUE_INDEX = ("workspace_id", "priority_rank", "waiting_since", "id", "assignee_id", "team_id")
WAITING_INDEX = ("workspace_id", "priority_rank", "waiting_since", "id", "team_id")
WAITING_WHERE = "status = 'open' AND assignee_id IS NULL AND waiting_since IS NOT NULL"
HELD_INDEX = ("workspace_id", "assignee_id", "channel_id")
HELD_WHERE = "status != 'resolved' AND assignee_id IS NOT NULL"
TRIGRAM: dict[str, Any] = {"postgresql_using": "gin",
                           "postgresql_ops": {"search_text": "gin_trgm_ops"},
                           "sqlite_where": text("0")}


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # The inbox: open conversations of a workspace, most urgent first, then the
        # longest waiting.
        Index(
            "ix_conversations_queue", "workspace_id", "status", "priority_rank", "waiting_since"
        ),
        Index("ix_conversations_assignee", "workspace_id", "assignee_id", "status"),
        # Repeat contact and channel switch (analytics) probe a customer's other
        # conversations by start time and channel: read from the index alone.
        # (merged_into_id last: an absorbed conversation is skipped inside the index, 0008.)
        Index("ix_conversations_contact", "contact_id", "first_message_at", "channel_id",
              "merged_into_id"),
        Index("ix_conversations_recent", "workspace_id", "last_message_at"),
        # The inbox reads its page in queue order and counts its views from these alone:
        # unresolved (the default) and every status.
        Index("ix_conversations_unresolved", *QUEUE_INDEX,
              sqlite_where=text("status != 'resolved'"),
              postgresql_where=text("status != 'resolved'")),
        Index("ix_conversations_urgency", *QUEUE_INDEX),
        # Routing (0007): the queue head of an agent's line holds only conversations still
        # waiting for one, so taking it reads no entry of an assigned conversation; and an
        # agent's load is counted from the open conversations they hold, not from all they
        # ever had. The statements using them spell these predicates as literals.
        Index("ix_conversations_waiting", *WAITING_INDEX,
              sqlite_where=text(WAITING_WHERE), postgresql_where=text(WAITING_WHERE)),
        Index("ix_conversations_held", *HELD_INDEX,
              sqlite_where=text(HELD_WHERE), postgresql_where=text(HELD_WHERE)),
        # Substring search: trigrams on PostgreSQL; SQLite scans the column (empty index).
        Index("ix_conversations_search", "search_text", **TRIGRAM),
        # At most one unresolved conversation per contact and channel: a new message
        # joins it. Enforced by the database so concurrent deliveries cannot split it.
        Index(
            "uq_conversations_one_open",
            "channel_id",
            "contact_id",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    is_public: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str] = mapped_column(String(300), default="")
    # Denormalised from the latest triage so the queue sorts without joins.
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    priority_rank: Mapped[int] = mapped_column(default=2)
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    sentiment: Mapped[str | None] = mapped_column(String(16), default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    # Since when the customer has been waiting for an answer; None when answered.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    first_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    message_count: Mapped[int] = mapped_column(default=0)
    # Set when an agent merged this conversation into another (`inbox/actions.do_merge`):
    # its messages live there now, and it is no conversation of its own in any metric.
    # No ON DELETE: nothing deletes one conversation alone, and erasing a customer or a
    # workspace removes the shell with the survivor (SQLite reflects no options on a column
    # added later, so the migration's reference must be the plain one).
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id"), default=None
    )
    # Subject and customer name folded for search; written by database triggers (0006).
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A retried webhook carries the same provider id: the second insert is refused.
        UniqueConstraint("channel_id", "provider_message_id"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_workspace_created", "workspace_id", "created_at"),
        Index("ix_messages_search", "search_text", **TRIGRAM),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # inbound | outbound
    kind: Mapped[str] = mapped_column(String(8), default="message")  # message | note
    sender_type: Mapped[str] = mapped_column(String(8))  # contact | agent | bot | system
    sender_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    sender_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(default=False)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # SHA-256 of the canonical request, to tell a true retry from a reused key.
    payload_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    reach: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    # The text folded for search (inbox.service.fold_for_search); written by triggers (0006).
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)


class TriageDecision(Base):
    """What triage decided about one message, why, with which model, and any correction."""

    __tablename__ = "triage_decisions"
    __table_args__ = (
        Index("ix_triage_decisions_conversation", "conversation_id"),
        Index("ix_triage_decisions_review", "workspace_id", "needs_review"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    category: Mapped[str] = mapped_column(String(32))
    category_confidence: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    priority: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    needs_review: Mapped[bool] = mapped_column(default=False)
    model_version: Mapped[str] = mapped_column(String(64))
    trace: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    corrected_category: Mapped[str | None] = mapped_column(String(32), default=None)
    corrected_sentiment: Mapped[str | None] = mapped_column(String(16), default=None)
    corrected_priority: Mapped[str | None] = mapped_column(String(16), default=None)
    corrected_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
