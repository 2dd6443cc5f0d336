"""Hand-backs and overrides: presence changes and supervisors move conversations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.db import utcnow
from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing.decisions import do_record
from pasokh.routing.dispatch import do_dispatch, do_fill_capacity, load_agents, waiting_of
from pasokh.routing.models import AgentProfile, RoutingDecision
from pasokh.routing.tables import STAMP


def do_assign(*, session: Session, conversation: Conversation, agent_id: int | None,
              kind: str, reasons: list[str], actor_user_id: int | None = None,
              now: datetime | None = None) -> RoutingDecision:
    """Give the conversation to `agent_id` (None hands it back to the queue) and record why."""
    now = now or utcnow()
    conversation.assignee_id = agent_id
    if agent_id is not None:
        session.execute(STAMP, {"agent": agent_id, "now": now})
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action=f"conversation.{kind}", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor_user_id,
             details={"agent_id": agent_id, "reasons": reasons})
    return do_record(session=session, conversation=conversation, kind=kind, reasons=reasons,
                     agent_id=agent_id, actor_user_id=actor_user_id, at=now)


def do_set_presence(*, session: Session, profile: AgentProfile, presence: str,
                    now: datetime | None = None) -> list[int]:
    """Change presence; leaving 'online' hands unanswered conversations back to the queue.

    Returns the ids of the conversations handed back (each then re-dispatched).
    """
    now = now or utcnow()
    was, profile.presence, profile.presence_changed_at = profile.presence, presence, now
    session.flush()
    if presence == "online":
        do_fill_capacity(session=session, workspace_id=profile.workspace_id,
                         agent_id=profile.user_id, now=now)
        return []
    if was != "online":
        return []
    unanswered = list(session.scalars(
        select(Conversation).where(Conversation.workspace_id == profile.workspace_id,
                                   Conversation.assignee_id == profile.user_id,
                                   Conversation.status != "resolved",
                                   Conversation.first_response_at.is_(None))
        .order_by(Conversation.priority_rank, Conversation.waiting_since, Conversation.id)
    ))
    for conversation in unanswered:
        do_assign(session=session, conversation=conversation, agent_id=None, kind="handback",
                  reasons=[f"agent went {presence} before answering"], now=now)
    session.flush()
    for conversation in unanswered:
        if conversation.assignee_id is None:
            do_dispatch(session=session, conversation=conversation, now=now)
    return [c.id for c in unanswered]


def do_override(*, session: Session, conversation: Conversation, agent_id: int | None,
                actor_user_id: int, reason: str, now: datetime | None = None
                ) -> RoutingDecision:
    """A supervisor assigns (or unassigns) by hand; capacity is their call, and recorded."""
    reasons = [f"supervisor override: {reason}" if reason else "supervisor override"]
    if agent_id is not None:
        agents = load_agents(session=session, workspace_id=conversation.workspace_id,
                             now=now or utcnow(), user_ids=[agent_id])
        conv = waiting_of(session=session, conversation=conversation)
        if not agents:
            reasons.append("agent is not online")
        elif not pick.has_room(agents[0], conv):
            reasons.append(f"above capacity ({agents[0].load}/{agents[0].capacity} units)")
    return do_assign(session=session, conversation=conversation, agent_id=agent_id,
                     kind="override", reasons=reasons, actor_user_id=actor_user_id, now=now)
