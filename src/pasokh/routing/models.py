"""Routing tables: skills, agent capacity and presence, rules, decisions, SLA and calendars."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from pasokh.db import Base, BigId, UTCDateTime, utcnow
from pasokh.types import JSONType

PRESENCES = ("online", "away", "offline")
HANDLINGS = ("bot", "agent", "ticket", "invite_private")
DECISION_KINDS = ("route", "assign", "handback", "override", "escalate", "wait")

# How much of an agent's capacity one conversation takes, by channel kind: a live chat
# needs the agent's attention now, an email can wait between replies.
DEFAULT_CHANNEL_WEIGHTS: dict[str, int] = {
    "webchat": 3, "whatsapp": 2, "telegram": 2, "instagram": 2, "phone": 3,
    "sms": 1, "email": 1, "api": 1,
}


class TeamSkill(Base):
    """What a team handles: categories, languages and channel kinds (empty = any)."""

    __tablename__ = "team_skills"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    channel_kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AgentProfile(Base):
    """An agent as routing sees them: skills, capacity, presence and working hours."""

    __tablename__ = "agent_profiles"
    __table_args__ = (Index("ix_agent_profiles_presence", "workspace_id", "presence"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)  # categories; [] = any
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)  # [] = any
    # Capacity in load units; a conversation costs channel_weights[kind] units.
    capacity: Mapped[int] = mapped_column(default=6)
    channel_weights: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # [[weekday 0=Mon..6=Sun, "HH:MM", "HH:MM"], ...] in the workspace's zone; [] = always.
    working_hours: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Changes whenever skills, languages, capacity, weights or hours change, so every
    # decision can reuse a process-local copy of them instead of decoding JSON 200 times.
    config_token: Mapped[str] = mapped_column(String(32), default=lambda: uuid4().hex)


STATIC_PROFILE_FIELDS = ("skills", "languages", "capacity", "channel_weights", "working_hours")


@event.listens_for(AgentProfile, "before_update")
def _rotate_config_token(_mapper: Any, _connection: Any, target: AgentProfile) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in STATIC_PROFILE_FIELDS):
        target.config_token = uuid4().hex


class RoutingRule(Base):
    """One ordered rule: when the conditions match, route to a team with a handling."""

    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_order", "workspace_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The default rule matches everything and is tried last, whatever its position.
    is_default: Mapped[bool] = mapped_column(default=False)
    # {"categories": [...], "priorities": [...], "sentiments": [...], "languages": [...],
    #  "channels": [...], "is_public": bool, "is_vip": bool, "keywords": [...]}
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    priority_override: Mapped[str | None] = mapped_column(String(16), default=None)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    handling: Mapped[str] = mapped_column(String(16), default="agent")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ConversationRouting(Base):
    """Where a conversation was routed, by which rule, and its SLA clock."""

    __tablename__ = "conversation_routing"
    __table_args__ = (Index("ix_conversation_routing_due", "workspace_id", "first_response_due"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_rules.id", ondelete="SET NULL"), default=None
    )
    handling: Mapped[str] = mapped_column(String(16), default="agent")
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    weight: Mapped[int] = mapped_column(default=1)
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    breached: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RoutingDecision(Base):
    """Every routing and assignment decision, with its reasons, for supervisors to audit."""

    __tablename__ = "routing_decisions"
    __table_args__ = (
        Index("ix_routing_decisions_conversation", "conversation_id", "id"),
        Index("ix_routing_decisions_workspace", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_rules.id", ondelete="SET NULL"), default=None
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    handling: Mapped[str | None] = mapped_column(String(16), default=None)
    priority: Mapped[str | None] = mapped_column(String(16), default=None)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaPolicy(Base):
    """Targets for one priority, in business minutes of the workspace's calendar."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "priority"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(16))
    first_response_minutes: Mapped[int] = mapped_column()
    next_response_minutes: Mapped[int] = mapped_column()
    resolution_minutes: Mapped[int] = mapped_column()
    # Warn when this share of the target has elapsed (80 = at 80 %).
    warn_at_percent: Mapped[int] = mapped_column(default=80)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BusinessCalendar(Base):
    """A workspace's working week and zone; holidays live in calendar_holidays."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(200), default="Iran")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tehran")
    # {"0": [["08:00", "17:00"]], ...} keyed by weekday 0=Mon..6=Sun; absent = closed.
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CalendarHoliday(Base):
    """A closed day; admins add, edit and remove them."""

    __tablename__ = "calendar_holidays"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    # "solar" (fixed Jalali date), "lunar" (Hijri, entered as a date) or "custom".
    kind: Mapped[str] = mapped_column(String(16), default="custom")


class RoutingConfigVersion(Base):
    """Names the workspace's current routing configuration; every edit gives it a new one.

    Routing keeps a per-process copy of rules, team skills, calendar, holidays, SLA
    policies and routing settings, keyed by this version (routing/cache.py). The version
    is a random token, not a counter: a rolled-back edit, or a test database emptied and
    refilled with the same ids, can never bring back a version a copy was stored under.
    """

    __tablename__ = "routing_config_versions"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Every edit of the tables above writes a new RoutingConfigVersion: imported here so any
# process that can edit them has the hooks (routing/versions.py).
from pasokh.routing import versions as _versions  # noqa: E402, F401
