"""Stored routing decisions: every route, assign, wait and handback, with its reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, insert
from sqlalchemy.orm import Session

from pasokh.db import utcnow
from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing.models import RoutingDecision
from pasokh.routing.tables import AUDIT, DECISIONS, STAMP
from pasokh.statements import Fast


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


_AHEAD = ["older or more urgent conversations are ahead in the queue"]
_DECISION_COLUMNS = ("workspace_id", "conversation_id", "kind", "team_id", "agent_id",
                     "priority", "reasons", "created_at")


def _decision_row(i: int) -> Insert:
    return insert(DECISIONS).values({name: bindparam(f"{name}_{i}", type_=DECISIONS.c[name].type)
                                     for name in _DECISION_COLUMNS})


# The assign decision, its audit event, the agent's stamp and maybe the dispatched
# conversation's wait decision. (One INSERT per decision: SQLAlchemy does not cache a
# multi-row VALUES with bound parameters.)
_ASSIGN, _WAIT = _decision_row(0), _decision_row(1)
# What audit.service.do_audit writes, as Core: an ORM object here would cost a
# unit-of-work flush per decision.
_AUDIT_ASSIGN = insert(AUDIT).values(
    workspace_id=bindparam("workspace_id_0"), action="conversation.assign",
    target_type="conversation", target_id=bindparam("target"),
    details=bindparam("details", type_=AUDIT.c.details.type),
    created_at=bindparam("created_at_0", type_=AUDIT.c.created_at.type))
# Every assignment sends them: they run on the cursor (statements.Fast).
_STATEMENTS: dict[bool, tuple[Fast, ...]] = {
    waits: tuple(Fast(statement) for statement in
                 (_ASSIGN, *([_WAIT] if waits else []), _AUDIT_ASSIGN, STAMP))
    for waits in (False, True)}
# The same as one statement on PostgreSQL (data-modifying CTEs): one round trip.
_JOINED: dict[bool, Fast] = {
    waits: Fast(_AUDIT_ASSIGN.add_cte(_ASSIGN.cte("assign"), STAMP.cte("stamp"),
                                      *([_WAIT.cte("wait")] if waits else [])))
    for waits in (False, True)}


def record_assignment(session: Session, *, workspace_id: int, conv: pick.Waiting,
                      priority: str, agent_id: int, reasons: list[str], now: datetime,
                      ahead_of: tuple[pick.Waiting, str] | None = None) -> None:
    """Store the assign decision and its audit event, and stamp the agent's last assignment.

    `ahead_of`: the conversation being dispatched, when this one was taken instead (it was
    ahead in the line); its wait decision is stored in the same statement.
    """
    params: dict[str, Any] = {
        "workspace_id_0": workspace_id, "conversation_id_0": conv.id, "kind_0": "assign",
        "team_id_0": conv.team_id, "agent_id_0": agent_id, "priority_0": priority,
        "reasons_0": reasons, "created_at_0": now, "target": str(conv.id),
        "details": {"agent_id": agent_id, "reasons": reasons}, "agent": agent_id, "now": now}
    if ahead_of is not None:
        waiting, waiting_priority = ahead_of
        params.update({
            "workspace_id_1": workspace_id, "conversation_id_1": waiting.id, "kind_1": "wait",
            "team_id_1": waiting.team_id, "agent_id_1": None, "priority_1": waiting_priority,
            "reasons_1": _AHEAD, "created_at_1": now})
    conn = session.connection()
    waits = ahead_of is not None
    if conn.dialect.name == "postgresql":
        _JOINED[waits].rows(conn, params)
    else:  # SQLite has no data-modifying CTEs; its statements cost no round trip anyway
        for statement in _STATEMENTS[waits]:
            statement.rows(conn, params)
