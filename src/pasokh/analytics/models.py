"""Crisis incidents, and the indexes the dashboard queries need on the inbox tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pasokh.audit.models import AuditEvent
from pasokh.db import Base, BigId, UTCDateTime, utcnow
from pasokh.inbox.models import Conversation, Message
from pasokh.types import JSONType

# Metrics read conversations by when they started and when they were resolved, and
# messages by when they were sent; without these a dashboard scans every row.
# Each carries what the unfiltered dashboard reads after the time, so its conversation
# metrics are answered from the index alone (no lookup of 15,000 scattered rows a month).
# `merged_into_id` comes last (0008): every metric skips absorbed conversations, and it
# must do so inside the index, not by fetching each row to look.
Index("ix_conversations_started", Conversation.workspace_id, Conversation.first_message_at,
      Conversation.first_response_at, Conversation.resolved_at, Conversation.priority,
      Conversation.id, Conversation.merged_into_id)
Index("ix_conversations_resolved", Conversation.workspace_id, Conversation.resolved_at,
      Conversation.status, Conversation.first_message_at, Conversation.first_response_at,
      Conversation.contact_id, Conversation.channel_id, Conversation.id,
      Conversation.merged_into_id)
Index("ix_messages_workspace_sent", Message.workspace_id, Message.sent_at, Message.direction,
      Message.kind, Message.is_public, Message.conversation_id)
# A conversation's timeline in order with what response times need, read from the index
# alone (no row lookups) by next response, bot first response and inferred CES.
Index("ix_messages_timeline", Message.conversation_id, Message.sent_at, Message.direction,
      Message.kind, Message.sender_type, Message.sender_user_id)
# Reopen rate reads resolutions and reopens from the audit log, which also holds every reply.
Index("ix_audit_events_action", AuditEvent.workspace_id, AuditEvent.action,
      AuditEvent.created_at)


class CrisisIncident(Base):
    """A spike of negative public messages about one topic; alerted once, then updated."""

    __tablename__ = "crisis_incidents"
    __table_args__ = (Index("ix_crisis_incidents_open", "workspace_id", "topic", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    window_count: Mapped[int] = mapped_column(default=0)
    peak_count: Mapped[int] = mapped_column(default=0)
    baseline: Mapped[float] = mapped_column(Float, default=0.0)
    sample_message_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationFacts(Base):
    """What the dashboard needs from a conversation's messages, computed once.

    Kept up to date where messages are stored (`analytics/facts.py`): the dashboard reads
    one row per conversation instead of probing every conversation's timeline per view.
    """

    __tablename__ = "conversation_facts"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    # Customer messages (inbound, kind=message): inferred CES's "more than 3" friction.
    inbound_count: Mapped[int] = mapped_column(default=0)
    # Distinct agents who replied: inferred CES's hand-off friction.
    agent_count: Mapped[int] = mapped_column(default=0)
    first_bot_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The final agent or bot reply, and the final agent reply alone.
    last_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_human_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Triage sentiment of the customer messages after `last_reply_at` (inferred CSAT).
    tone_sum: Mapped[float] = mapped_column(Float, default=0.0)
    tone_count: Mapped[int] = mapped_column(default=0)


class ConversationTurn(Base):
    """A later customer turn and the human reply that ended it (next response time).

    The first turn (asked at the conversation's first message) is the first response and
    is not stored.
    """

    __tablename__ = "conversation_turns"
    __table_args__ = (
        # Next response reads the turns asked in a range, with what it needs, index-only.
        Index("ix_conversation_turns_asked", "workspace_id", "asked_at", "conversation_id",
              "replied_at"),
        Index("ix_conversation_turns_conversation", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime] = mapped_column(UTCDateTime)
