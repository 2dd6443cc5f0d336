"""The conversation resources of the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ConversationRead(BaseModel):
    id: int
    channel: str
    channel_kind: str
    channel_name: str = Field(description="The channel's name as the workspace wrote it, "
                              "for people (`channel` is its key, for programs).")
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
    merged_into_id: int | None = Field(
        default=None, description="Set when this conversation was merged into another: its "
        "messages are there now, and no metric counts this one.")


class ConversationPage(BaseModel):
    items: list[ConversationRead]
    next_cursor: str | None


class ReplyCreate(BaseModel):
    """A reply to the customer or an internal note."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int | None = Field(description="A user id of this workspace, or null for "
                                                "nobody.")


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(description="open, pending, resolved or snoozed")
    snoozed_until: datetime | None = Field(default=None, description="Required for snoozed.")


class TriageCorrection(BaseModel):
    """An agent's correction of the machine's category and/or priority."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    priority: str | None = None


class TriageCorrectionRead(BaseModel):
    decision_id: int
    category: str
    priority: str
    corrected_category: str | None
    corrected_priority: str | None
    corrected_by_id: int | None
    corrected_at: datetime | None


class TemplateRead(BaseModel):
    """A reply template with its variables filled in for one conversation."""

    id: int
    name: str
    locale: str
    category: str | None
    suggested: bool
    text: str


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into_id: int = Field(description="The conversation that receives this one's messages.")


class TicketRef(BaseModel):
    ticket_id: int
    number: int
    reference: str
