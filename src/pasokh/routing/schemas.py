"""The routing, team, SLA and ticket resources of the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal["feedback", "complaint", "question", "technical", "request", "other"]
Priority = Literal["urgent", "high", "normal", "low"]
Sentiment = Literal["positive", "neutral", "negative"]
ChannelKind = Literal["instagram", "telegram", "whatsapp", "webchat", "email", "sms", "phone",
                      "api"]
Handling = Literal["bot", "agent", "ticket", "invite_private"]
Presence = Literal["online", "away", "offline"]
Language = str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Conditions(Strict):
    """All given conditions must hold; an empty list or null means 'any'."""

    categories: list[Category] = []
    priorities: list[Priority] = []
    sentiments: list[Sentiment] = []
    languages: list[Language] = Field(default=[], max_length=20)
    channels: list[ChannelKind] = []
    is_public: bool | None = None
    is_vip: bool | None = None
    keywords: list[str] = Field(default=[], max_length=200)


class RuleCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    position: int = Field(default=100, ge=0, le=1_000_000)
    is_active: bool = True
    is_default: bool = False
    conditions: Conditions = Conditions()
    team_id: int | None = None
    priority_override: Priority | None = None
    tags: list[str] = Field(default=[], max_length=50)
    handling: Handling = "agent"


class RuleRead(RuleCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int


class RuleList(BaseModel):
    items: list[RuleRead]


class AgentProfileUpdate(Strict):
    skills: list[Category] = []
    languages: list[Language] = Field(default=[], max_length=20)
    capacity: int = Field(default=6, ge=1, le=1000)
    channel_weights: dict[ChannelKind, int] = {}
    working_hours: list[tuple[int, str, str]] = Field(
        default=[], description="[[weekday 0=Mon..6=Sun, 'HH:MM', 'HH:MM'], ...]; [] = always")


class AgentProfileRead(AgentProfileUpdate):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    presence: Presence
    presence_changed_at: datetime
    load: int = 0


class AgentList(BaseModel):
    items: list[AgentProfileRead]


class PresenceUpdate(Strict):
    presence: Presence


class PresenceResult(BaseModel):
    user_id: int
    presence: Presence
    handed_back: list[int]


class OverrideCreate(Strict):
    agent_id: int | None = Field(description="The agent to assign; null returns it to the queue")
    reason: str = Field(default="", max_length=500)


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    rule_id: int | None
    team_id: int | None
    agent_id: int | None
    actor_user_id: int | None
    handling: str | None
    priority: str | None
    reasons: list[str]
    created_at: datetime


class DecisionList(BaseModel):
    items: list[DecisionRead]


class TeamCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class TeamUpdate(Strict):
    categories: list[Category] = []
    languages: list[Language] = Field(default=[], max_length=20)
    channel_kinds: list[ChannelKind] = []
    member_ids: list[int] | None = None


class TeamRead(BaseModel):
    id: int
    name: str
    categories: list[str]
    languages: list[str]
    channel_kinds: list[str]
    member_ids: list[int]


class TeamList(BaseModel):
    items: list[TeamRead]


class PolicyUpdate(Strict):
    first_response_minutes: int = Field(ge=1, le=100_000)
    next_response_minutes: int = Field(ge=1, le=100_000)
    resolution_minutes: int = Field(ge=1, le=1_000_000)
    warn_at_percent: int = Field(default=80, ge=1, le=99)


class PolicyRead(PolicyUpdate):
    priority: Priority


class PolicyList(BaseModel):
    items: list[PolicyRead]


class CalendarUpdate(Strict):
    name: str = Field(default="Iran", max_length=200)
    timezone: str = Field(default="Asia/Tehran", max_length=64)
    weekly_hours: dict[str, list[tuple[str, str]]]


class CalendarRead(BaseModel):
    name: str
    timezone: str
    weekly_hours: dict[str, list[tuple[str, str]]]


class HolidayCreate(Strict):
    day: date
    name: str = Field(min_length=1, max_length=200)


class HolidayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    day: date
    name: str
    kind: str


class HolidayList(BaseModel):
    items: list[HolidayRead]


class ClockRead(BaseModel):
    conversation_id: int
    priority: str
    rule_id: int | None
    handling: str
    tags: list[str]
    reasons: list[str]
    first_response_due: datetime | None
    next_response_due: datetime | None
    resolution_due: datetime | None
    breached: list[str]


TicketStatus = Literal["open", "pending", "on_hold", "solved", "closed"]


class TicketCreate(Strict):
    subject: str = Field(min_length=1, max_length=300)
    priority: Priority = "normal"
    conversation_ids: list[int] = Field(default=[], max_length=50)


class TicketUpdate(Strict):
    status: TicketStatus


class TicketLink(Strict):
    conversation_id: int


class TicketRead(BaseModel):
    id: int
    reference: str
    number: int
    subject: str
    status: str
    priority: str
    contact_id: int | None
    assignee_id: int | None
    conversation_ids: list[int]
    created_at: datetime
    solved_at: datetime | None


class TicketPage(BaseModel):
    items: list[TicketRead]


class InvitationCreate(Strict):
    conversation_id: int
    text: str | None = Field(default=None, max_length=2000)
    open_ticket: bool = False


class InvitationRead(BaseModel):
    conversation_id: int
    reply_message_id: int
    ticket: TicketRead | None
