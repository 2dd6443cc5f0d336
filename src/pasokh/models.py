"""Every table, gathered so Alembic and tests see the whole schema."""

from pasokh.analytics.models import CrisisIncident as CrisisIncident
from pasokh.audit.models import AuditEvent
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact, ContactIdentity
from pasokh.db import Base
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.jobs.models import OutboxJob
from pasokh.replies.models import ReplyTemplate
from pasokh.routing.models import RoutingRule as RoutingRule
from pasokh.surveys.models import Survey as Survey
from pasokh.tickets.models import Ticket, TicketConversation
from pasokh.users.models import Team, TeamMember, User, UserSession
from pasokh.workspaces.models import ApiToken, Workspace

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Channel",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "Message",
    "OutboxJob",
    "ReplyTemplate",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketConversation",
    "TriageDecision",
    "User",
    "UserSession",
    "Workspace",
]
