"""The queue as one agent sees it: the head of their line, and taking it in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Integer,
    Select,
    String,
    Update,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pasokh.db import padded
from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing import snapshot
from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS
from pasokh.routing.tables import CHANNELS, CONVERSATIONS, OPEN, RESOLVED, ROUTING, C, R
from pasokh.statements import Fast
from pasokh.types import CHANNEL_KINDS

# The hot path speaks Core to the tables: no ORM loads, no unit of work.
_HEAD_BASE: Select[Any] = (
    select(C.id, C.priority, C.priority_rank, C.waiting_since, C.category, C.language,
           C.team_id, C.channel_id)
    .join_from(CONVERSATIONS, ROUTING, R.conversation_id == C.id)
    .where(C.workspace_id == bindparam("ws"), C.status == OPEN,
           C.assignee_id.is_(None), C.waiting_since.is_not(None),
           # Literals, not an expanding parameter: SQLAlchemy re-renders a statement with an
           # expanding IN list on every execution.
           R.handling.in_([literal_column(f"'{h}'", String)
                           for h in ("agent", "ticket", "invite_private")]))
    .order_by(C.priority_rank, C.waiting_since, C.id)
    # LIMIT as a literal: a bound LIMIT makes PostgreSQL's generic plan for the prepared
    # claim assume a tenth of the queue is read, so it re-plans (~0.5 ms) every execution.
    .limit(literal_column("1", Integer))
)
_HEADS: dict[tuple[bool, bool, bool, bool], Select[Any]] = {}


def _head_query(teams: bool, skills: bool, languages: bool, arrays: bool = False
                ) -> Select[Any]:
    """The queue-head statement for an agent with (or without) teams, skills, languages.

    `arrays` (PostgreSQL): the agent's teams, skills and languages are bound as one array
    each (`= ANY(...)`), so the statement's text never changes and SQLAlchemy does not
    render it again on every execution, as it must for an expanding IN list.
    """
    key = (teams, skills, languages, arrays)
    cached = _HEADS.get(key)
    if cached is not None:
        return cached

    def among(column: Any, name: str, item: Any) -> Any:
        if arrays:
            return column == any_(bindparam(name, type_=ARRAY(item)))
        return column.in_(bindparam(name, expanding=True))

    query = _HEAD_BASE
    if teams:
        query = query.where(or_(C.team_id.is_(None), among(C.team_id, "teams", BigInteger)))
    else:
        query = query.where(C.team_id.is_(None))
    if skills:
        query = query.where(or_(C.category.is_(None), among(C.category, "skills", String)))
    if languages:
        query = query.where(or_(C.language.is_(None), among(C.language, "langs", String)))
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


_KINDS = sorted(set(CHANNEL_KINDS) | set(DEFAULT_CHANNEL_WEIGHTS))
# Units the conversation's channel costs this agent (their weights travel as parameters).
# The kinds are literals in the text: bound, they were 18 more parameters to convert on
# every claim.
_WEIGHTS: dict[Any, Any] = {literal_column(f"'{kind}'", String): bindparam(f"w_{kind}")
                            for kind in _KINDS}
_ONE = literal_column("1", Integer)
_WEIGHT = case(_WEIGHTS, value=select(CHANNELS.c.kind).where(CHANNELS.c.id == C.channel_id)
               .scalar_subquery(), else_=_ONE)
_CLAIMS: dict[tuple[bool, bool, bool, bool], Update] = {}
_FAST_CLAIMS: dict[tuple[bool, bool, bool, bool], Fast] = {}
# The agent's open conversations, for a claim that counts their load itself.
_HELD = CONVERSATIONS.alias("held")
_HELD_CHANNEL = CHANNELS.alias("held_channel")
_HELD_ROWS = (select(_HELD_CHANNEL.c.kind.label("kind"))
              .join_from(_HELD, _HELD_CHANNEL, _HELD_CHANNEL.c.id == _HELD.c.channel_id)
              .where(_HELD.c.workspace_id == bindparam("ws"),
                     _HELD.c.assignee_id == bindparam("agent"), _HELD.c.status != RESOLVED))
_LOAD = _HELD_ROWS.with_only_columns(func.coalesce(func.sum(
    case(_WEIGHTS, value=_HELD_CHANNEL.c.kind, else_=_ONE)), literal_column("0", Integer))
).scalar_subquery()
_BY_KIND = _HELD_ROWS.add_columns(func.count().label("n")).group_by(_HELD_CHANNEL.c.kind) \
    .subquery()
_HELD_JSON = select(func.json_object_agg(_BY_KIND.c.kind, _BY_KIND.c.n, type_=JSON)) \
    .scalar_subquery()


def _claim_query(teams: bool, skills: bool, languages: bool, counting: bool) -> Update:
    """Take the head of the agent's line in one statement, only if it fits their room.

    `counting` (PostgreSQL): the statement counts the agent's load itself, after their row
    was locked by an earlier one, and returns what they held before (`held`, by channel
    kind); the room must also fit the conversation being dispatched (`need` units).
    Otherwise the caller read the load and passes the room.
    """
    key = (teams, skills, languages, counting)
    cached = _CLAIMS.get(key)
    if cached is None:
        head = _head_query(teams, skills, languages, arrays=counting) \
            .with_only_columns(C.id).scalar_subquery()
        columns: list[Any] = [C.id, C.priority, C.priority_rank, C.waiting_since, C.category,
                              C.language, C.team_id, C.channel_id]
        fits = [bindparam("room") >= _WEIGHT]
        if counting:  # the load subquery once, against the larger of the two weights
            fits = [bindparam("capacity") - _LOAD >= func.greatest(_WEIGHT, bindparam("need"))]
            columns.append(_HELD_JSON.label("held"))
        cached = _CLAIMS[key] = (
            update(CONVERSATIONS)
            .where(C.id == head, C.assignee_id.is_(None), C.status == OPEN, *fits)
            .values(assignee_id=bindparam("agent"), updated_at=bindparam("now"))
            .returning(*columns))
    return cached


def _line_params(agent: pick.AgentState, workspace_id: int) -> dict[str, Any]:
    params: dict[str, Any] = {"ws": workspace_id}
    # Padded IN lists: a handful of statement texts, so each is prepared once per connection.
    if agent.team_ids:
        params["teams"] = padded(sorted(agent.team_ids))
    if agent.skills:
        params["skills"] = padded(sorted(agent.skills))
    if agent.languages:
        params["langs"] = padded(sorted(agent.languages))
    return params


@dataclass(frozen=True)
class Claimed:
    """The conversation an agent took, and (from a counting claim) what they held before."""

    conv: pick.Waiting
    priority: str
    held: dict[str, int] | None = None


def claim_head(session: Session, agent: pick.AgentState, workspace_id: int, now: datetime,
               need: int | None = None) -> Claimed | None:
    """Assign the head of the agent's line to them if it fits; None if it does not.

    One UPDATE ... RETURNING: the head is chosen and taken together, and the statement
    re-checks that it is still unassigned, so two processes never both take it. With
    `need` (PostgreSQL only) the statement counts the agent's load itself (see
    _claim_query) instead of trusting `agent.load`, and also requires room for `need`.
    """
    params = _line_params(agent, workspace_id)
    params.update({f"w_{kind}": pick.weight_of(agent, kind) for kind in _KINDS})
    params.update(agent=agent.id, now=now)
    if need is None:
        params["room"] = agent.capacity - agent.load
    else:
        params.update(capacity=agent.capacity, need=need)
    key = (bool(agent.team_ids), bool(agent.skills), bool(agent.languages), need is not None)
    conn = session.connection()
    row: tuple[Any, ...] | None
    if need is None:
        found = conn.execute(_claim_query(*key), params).first()
        row = tuple(found) if found is not None else None
    else:  # every PostgreSQL decision sends it: run on the cursor (its lists are arrays)
        fast = _FAST_CLAIMS.get(key)
        if fast is None:
            fast = _FAST_CLAIMS[key] = Fast(_claim_query(*key))
        row = fast.first(conn, params)
    if row is None:
        return None
    conv_id, priority, rank, since, category, language, team_id, channel_id = row[:8]
    loaded = session.identity_map.get(identity_key(Conversation, conv_id))
    if loaded is not None:  # keep the caller's object in step, as committed state
        set_committed_value(loaded, "assignee_id", agent.id)
        set_committed_value(loaded, "updated_at", now)
    kind = snapshot.channel_kind(session, channel_id)
    conv = pick.Waiting(id=conv_id, priority_rank=rank, waiting_since=since, channel_kind=kind,
                        category=category, language=language, team_id=team_id)
    held = dict(row[8] or {}) if need is not None else None
    return Claimed(conv, priority, held)
