"""The conversation resources of the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ConversationRead(BaseModel):
    id: int
    channel: str
    channel_kind: str
    contact_id: int
    contact_name: str
    status: str
    is_public: bool
    subject: str
    priority: str
    category: str | None
    sentiment: str | None
    language: str | None
    assignee_id: int | None
    team_id: int | None
    waiting_since: datetime | None
    first_message_at: datetime
    last_message_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    message_count: int


class ConversationPage(BaseModel):
    items: list[ConversationRead]
    next_cursor: str | None
