"""Surveys sent after resolution (CSAT, NPS, CES) and the customer's parsed answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pasokh.db import Base, BigId, UTCDateTime, utcnow

SURVEY_KINDS: tuple[str, ...] = ("csat", "nps", "ces")
# scheduled -> sent -> answered (a score) | commented (a reply we could not read as a score)
SURVEY_STATUSES: tuple[str, ...] = ("scheduled", "sent", "answered", "commented", "cancelled",
                                    "expired")


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        # One survey of a kind per conversation: a re-resolution never asks twice.
        UniqueConstraint("conversation_id", "kind"),
        Index("ix_surveys_due", "status", "send_after"),
        Index("ix_surveys_contact", "contact_id", "status"),
        Index("ix_surveys_answered", "workspace_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    question_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None)
    answer_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None)
    score: Mapped[int | None] = mapped_column(default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
