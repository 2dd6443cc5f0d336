"""Column types and vocabularies shared by several domains."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

JSONType: Any = JSON().with_variant(JSONB(), "postgresql")

Role = Literal["admin", "supervisor", "agent", "analyst"]
ROLES: tuple[str, ...] = ("admin", "supervisor", "agent", "analyst")
# Tokens may also be issued to an integration (a system pushing messages in).
TOKEN_ROLES: tuple[str, ...] = (*ROLES, "integration")

CHANNEL_KINDS: tuple[str, ...] = (
    "instagram", "telegram", "whatsapp", "webchat", "email", "sms", "phone", "api",
)
CATEGORIES: tuple[str, ...] = ("feedback", "complaint", "question", "technical", "request", "other")
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")
PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal", "low")
# Sort rank for "most urgent first": lower is more urgent.
PRIORITY_RANK: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}
CONVERSATION_STATUSES: tuple[str, ...] = ("open", "pending", "snoozed", "resolved")
