"""Stored routing decisions: every route, assign, wait and handback, with its reasons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pasokh.db import utcnow
from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing.models import RoutingDecision
from pasokh.routing.tables import AUDIT, DECISIONS


def do_record(*, session: Session, conversation: Conversation, kind: str, reasons: list[str],
              agent_id: int | None = None, rule_id: int | None = None,
              handling: str | None = None, actor_user_id: int | None = None,
              at: datetime | None = None) -> RoutingDecision:
    """Store one routing decision with its reasons."""
    row = RoutingDecision(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id, kind=kind,
        rule_id=rule_id, team_id=conversation.team_id, agent_id=agent_id,
        actor_user_id=actor_user_id, handling=handling, priority=conversation.priority,
        reasons=reasons, created_at=at or utcnow(),
    )
    session.add(row)
    return row


def insert_decision(session: Session, *, workspace_id: int, conversation_id: int, kind: str,
                    reasons: list[str], team_id: int | None, priority: str,
                    rule_id: int | None = None, handling: str | None = None,
                    at: datetime) -> None:
    """What do_record stores, as one Core INSERT (no ORM object, no flush)."""
    session.connection().execute(insert(DECISIONS), {
        "workspace_id": workspace_id, "conversation_id": conversation_id, "kind": kind,
        "rule_id": rule_id, "team_id": team_id, "agent_id": None, "actor_user_id": None,
        "handling": handling, "priority": priority, "reasons": reasons, "created_at": at})


def record_assignment(session: Session, *, workspace_id: int, conv: pick.Waiting,
                      priority: str, agent_id: int, reasons: list[str], now: datetime
                      ) -> None:
    """Store the assign decision and its audit event with one INSERT each."""
    conn = session.connection()
    conn.execute(insert(DECISIONS), {
        "workspace_id": workspace_id, "conversation_id": conv.id, "kind": "assign",
        "rule_id": None, "team_id": conv.team_id, "agent_id": agent_id,
        "actor_user_id": None, "handling": None, "priority": priority, "reasons": reasons,
        "created_at": now})
    # What audit.service.do_audit writes, as a Core INSERT: an ORM object here would cost
    # a unit-of-work flush per decision.
    conn.execute(insert(AUDIT), {
        "workspace_id": workspace_id, "actor_user_id": None, "actor_token_id": None,
        "action": "conversation.assign", "target_type": "conversation",
        "target_id": str(conv.id), "details": {"agent_id": agent_id, "reasons": reasons},
        "created_at": now})
