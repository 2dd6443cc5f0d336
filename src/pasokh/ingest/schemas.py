"""What the generic channel accepts and answers (POST /api/v1/messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SenderIn(BaseModel):
    """Who wrote the message: at least one way to recognise them."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = Field(default=None, max_length=255,
                                    description="The sender's id on this channel.")
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)

    @model_validator(mode="after")
    def _needs_an_identity(self) -> SenderIn:
        if not (self.external_id or self.phone or self.email):
            raise ValueError("sender needs at least one of external_id, phone or email")
        return self


class MessageCreate(BaseModel):
    """An inbound customer message pushed by any system."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=64, description="The channel's key in this workspace.")
    text: str = Field(min_length=1, description="The message text (length limit: see settings).")
    sender: SenderIn
    provider_message_id: str | None = Field(
        default=None, max_length=255,
        description="The provider's id; a second message with the same id is a retry.")
    is_public: bool = Field(default=False, description="A public comment rather than a DM.")
    reach: int = Field(default=0, ge=0, description="Likes/followers: how many people see it.")
    sent_at: datetime | None = Field(default=None, description="When the customer sent it.")
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _text_not_blank(self) -> MessageCreate:
        if not self.text.strip():
            raise ValueError("text is empty")
        if self.sent_at is not None and self.sent_at.tzinfo is None:
            raise ValueError("sent_at needs a time zone, e.g. 2026-11-24T10:00:00+03:30")
        return self


class TriageRead(BaseModel):
    category: str
    category_confidence: float
    sentiment: str
    sentiment_score: float
    priority: str
    language: str
    confidence: float
    reasons: list[str]
    needs_review: bool
    model_version: str


class MessageRead(BaseModel):
    id: int
    conversation_id: int
    contact_id: int | None
    channel: str
    direction: str
    kind: str
    sender_type: str
    text: str
    is_public: bool
    provider_message_id: str | None
    sent_at: datetime
    created_at: datetime
    triage: TriageRead | None = None


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None
