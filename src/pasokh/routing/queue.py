"""The queue as one agent sees it: the head of their line, and taking it in one statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Update, bindparam, case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing import snapshot
from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS
from pasokh.routing.tables import CHANNELS, CONVERSATIONS, PROFILES, ROUTING, C, R
from pasokh.types import CHANNEL_KINDS

# The hot path speaks Core to the tables: no ORM loads, no unit of work.
_HEAD_BASE: Select[Any] = (
    select(C.id, C.priority, C.priority_rank, C.waiting_since, C.category, C.language,
           C.team_id, C.channel_id)
    .join_from(CONVERSATIONS, ROUTING, R.conversation_id == C.id)
    .where(C.workspace_id == bindparam("ws"), C.status == "open",
           C.assignee_id.is_(None), C.waiting_since.is_not(None),
           R.handling.in_(("agent", "ticket", "invite_private")))
    .order_by(C.priority_rank, C.waiting_since, C.id)
    .limit(1)
)
_HEADS: dict[tuple[bool, bool, bool], Select[Any]] = {}


def _head_query(teams: bool, skills: bool, languages: bool) -> Select[Any]:
    """The queue-head statement for an agent with (or without) teams, skills, languages."""
    key = (teams, skills, languages)
    cached = _HEADS.get(key)
    if cached is not None:
        return cached
    query = _HEAD_BASE
    if teams:
        query = query.where(or_(C.team_id.is_(None),
                                C.team_id.in_(bindparam("teams", expanding=True))))
    else:
        query = query.where(C.team_id.is_(None))
    if skills:
        query = query.where(or_(C.category.is_(None),
                                C.category.in_(bindparam("skills", expanding=True))))
    if languages:
        query = query.where(or_(C.language.is_(None),
                                C.language.in_(bindparam("langs", expanding=True))))
    _HEADS[key] = query
    return query


def queue_head(session: Session, agent: pick.AgentState, workspace_id: int
               ) -> tuple[pick.Waiting, str] | None:
    """The most urgent, longest-waiting unassigned conversation this agent is skilled for."""
    query = _head_query(bool(agent.team_ids), bool(agent.skills), bool(agent.languages))
    row = session.connection().execute(query, _line_params(agent, workspace_id)).first()
    if row is None:
        return None
    return pick.Waiting(id=row.id, priority_rank=row.priority_rank,
                        waiting_since=row.waiting_since,
                        channel_kind=snapshot.channel_kind(session, row.channel_id),
                        category=row.category, language=row.language,
                        team_id=row.team_id), row.priority


STAMP = (update(PROFILES)
          .where(PROFILES.c.user_id == bindparam("agent"))
          .values(last_assigned_at=bindparam("now")))
_KINDS = sorted(set(CHANNEL_KINDS) | set(DEFAULT_CHANNEL_WEIGHTS))
# Units the conversation's channel costs this agent (their weights travel as parameters).
_WEIGHT = case({kind: bindparam(f"w_{kind}") for kind in _KINDS},
               value=select(CHANNELS.c.kind).where(CHANNELS.c.id == C.channel_id)
               .scalar_subquery(), else_=1)
_CLAIMS: dict[tuple[bool, bool, bool], Update] = {}


def _claim_query(teams: bool, skills: bool, languages: bool) -> Update:
    """Take the head of the agent's line in one statement, only if it fits their room."""
    key = (teams, skills, languages)
    cached = _CLAIMS.get(key)
    if cached is None:
        head = _head_query(*key).with_only_columns(C.id).scalar_subquery()
        cached = _CLAIMS[key] = (
            update(CONVERSATIONS)
            .where(C.id == head, C.assignee_id.is_(None), C.status == "open",
                   bindparam("room") >= _WEIGHT)
            .values(assignee_id=bindparam("agent"), updated_at=bindparam("now"))
            .returning(C.id, C.priority, C.priority_rank, C.waiting_since, C.category,
                       C.language, C.team_id, C.channel_id))
    return cached


def _line_params(agent: pick.AgentState, workspace_id: int) -> dict[str, Any]:
    params: dict[str, Any] = {"ws": workspace_id}
    if agent.team_ids:
        params["teams"] = sorted(agent.team_ids)
    if agent.skills:
        params["skills"] = sorted(agent.skills)
    if agent.languages:
        params["langs"] = sorted(agent.languages)
    return params


def claim_head(session: Session, agent: pick.AgentState, workspace_id: int, now: datetime
               ) -> tuple[pick.Waiting, str] | None:
    """Assign the head of the agent's line to them if it fits; None if it does not.

    One UPDATE ... RETURNING: the head is chosen and taken together, and the statement
    re-checks that it is still unassigned, so two processes never both take it.
    """
    params = _line_params(agent, workspace_id)
    params.update({f"w_{kind}": pick.weight_of(agent, kind) for kind in _KINDS})
    params.update(room=agent.capacity - agent.load, agent=agent.id, now=now)
    query = _claim_query(bool(agent.team_ids), bool(agent.skills), bool(agent.languages))
    row = session.connection().execute(query, params).first()
    if row is None:
        return None
    loaded = session.identity_map.get(identity_key(Conversation, row.id))
    if loaded is not None:  # keep the caller's object in step, as committed state
        set_committed_value(loaded, "assignee_id", agent.id)
        set_committed_value(loaded, "updated_at", now)
    kind = snapshot.channel_kind(session, row.channel_id)
    return pick.Waiting(id=row.id, priority_rank=row.priority_rank,
                        waiting_since=row.waiting_since, channel_kind=kind,
                        category=row.category, language=row.language,
                        team_id=row.team_id), row.priority
