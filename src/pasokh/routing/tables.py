"""Core handles on the tables routing writes on its hot path (no ORM, no unit of work)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import String, Table, bindparam, literal_column, update

from pasokh.audit.models import AuditEvent
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.inbox.models import Conversation, Message
from pasokh.routing.models import AgentProfile, ConversationRouting, RoutingDecision

CONVERSATIONS = cast(Table, Conversation.__table__)
ROUTING = cast(Table, ConversationRouting.__table__)
CHANNELS = cast(Table, Channel.__table__)
CONTACTS = cast(Table, Contact.__table__)
MESSAGES = cast(Table, Message.__table__)
PROFILES = cast(Table, AgentProfile.__table__)
DECISIONS = cast(Table, RoutingDecision.__table__)
AUDIT = cast(Table, AuditEvent.__table__)
C, R = CONVERSATIONS.c, ROUTING.c
# The agent's last assignment: ties between equally loaded agents go to the one who waited.
STAMP = (update(PROFILES).where(PROFILES.c.user_id == bindparam("agent"))
         .values(last_assigned_at=bindparam("now")))
# Status values as literals, not bound parameters: the partial indexes routing reads
# (ix_conversations_waiting, ix_conversations_held) are usable only when the statement itself
# implies their predicate, and a prepared statement's generic plan cannot see a parameter's
# value.
OPEN = literal_column("'open'", String)
RESOLVED = literal_column("'resolved'", String)
