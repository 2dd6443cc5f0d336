"""Reading agents' state from the database: online agents with their teams and load in
one statement, static settings by config token, a channel's kind, one agent's load."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    CompoundSelect,
    Integer,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.db import padded
from pasokh.inbox.models import Conversation
from pasokh.routing.models import AgentProfile, BusinessCalendar
from pasokh.routing.snapshot_data import (
    STATIC,
    STATIC_MAX,
    AgentEntry,
    Static,
    engine_of,
    engine_state,
)
from pasokh.routing.tables import RESOLVED
from pasokh.statements import Fast
from pasokh.users.models import Team, TeamMember

_P = AgentProfile


def _in_slices(user_id: Any) -> Any:
    """The agent is in one of the slices read: bit `user_id % n` of `mask` is set (one
    statement text for any set of slices, on SQLite and PostgreSQL alike)."""
    shift = cast(user_id % bindparam("n", type_=BigInteger), Integer)
    return bindparam("mask", type_=BigInteger).op(">>")(shift).op("&")(1) == 1


def _agents_query(which: str) -> CompoundSelect[Any]:
    """Online agents (part 0), their teams (1) and load per channel kind (2): one statement,
    so reading agents is one round trip (a stale agent is re-read before the next choice).

    `which`: "some", the agents named by `ids`; "all", the workspace's agents and its time
    zone (part 3); "slices", the same for the slices of its agents named by `n` and `mask`.
    """
    online = select(literal_column("0", Integer).label("part"), _P.user_id.label("user_id"),
                    _P.workspace_id.label("num"), _P.config_token.label("word"),
                    _P.last_assigned_at.label("at")) \
        .where(_P.workspace_id == bindparam("ws"), _P.presence == "online")
    teams = (
        select(literal_column("1", Integer), TeamMember.user_id, TeamMember.team_id, null(), null())
        .join(Team, Team.id == TeamMember.team_id).where(Team.workspace_id == bindparam("ws")))
    # Load is counted per channel kind so each agent's own weights apply.
    loads = (
        select(literal_column("2", Integer), Conversation.assignee_id, func.count(),
               Channel.kind, null())
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(Conversation.workspace_id == bindparam("ws"),
               Conversation.assignee_id.is_not(None), Conversation.status != RESOLVED)
        .group_by(Conversation.assignee_id, Channel.kind))
    if which == "some":
        ids: BindParameter[int] = bindparam("ids", expanding=True)
        online = online.where(_P.user_id.in_(ids))
        teams = teams.where(TeamMember.user_id.in_(ids))
        loads = loads.where(Conversation.assignee_id.in_(ids))
        return union_all(online, teams, loads)
    if which == "slices":
        online = online.where(_in_slices(_P.user_id))
        teams = teams.where(_in_slices(TeamMember.user_id))
        # Counted from the slice's online agents, one index probe each: the work is the
        # slice's, not every open conversation the workspace's agents hold.
        loads = loads.join(_P, (_P.user_id == Conversation.assignee_id)
                           & (_P.workspace_id == Conversation.workspace_id)) \
            .where(_P.presence == "online", _in_slices(_P.user_id))
    # The time zone comes with every (partial) reload: no extra round trip.
    zone = select(literal_column("3", Integer), null(), null(), BusinessCalendar.timezone,
                  null()).where(BusinessCalendar.workspace_id == bindparam("ws"))
    return union_all(online, teams, loads, zone)


# Reloads run on the cursor (statements.Fast): they return up to several hundred rows.
_ALL, _SLICES = Fast(_agents_query("all")), Fast(_agents_query("slices"))
_SOME_AGENTS = _agents_query("some")
SOME_TEAMS = select(TeamMember.user_id, TeamMember.team_id) \
    .join(Team, Team.id == TeamMember.team_id) \
    .where(Team.workspace_id == bindparam("ws"),
           TeamMember.user_id.in_(bindparam("ids", expanding=True)))
_ONE_LOAD = (select(Channel.kind, func.count()).select_from(Conversation)
             .join(Channel, Channel.id == Conversation.channel_id)
             .where(Conversation.workspace_id == bindparam("ws"),
                    Conversation.assignee_id == bindparam("id"),
                    Conversation.status != RESOLVED)
             .group_by(Channel.kind))
# SKIP LOCKED (PostgreSQL; SQLite serialises writers anyway): see lock_agent. Run on the
# cursor (statements.Fast): every decision sends it.
_LOCK_ROW = select(_P.presence, _P.config_token, _P.last_assigned_at) \
    .where(_P.user_id == bindparam("id"), _P.workspace_id == bindparam("ws")) \
    .with_for_update(skip_locked=True)
LOCK_ROW = Fast(_LOCK_ROW)
# The same, also saying whether the agent is in the conversation's team (no extra trip).
LOCK_ROW_IN_TEAM = Fast(_LOCK_ROW.add_columns(exists().where(
    TeamMember.user_id == _P.user_id, TeamMember.team_id == bindparam("team")).label("in_team")))
_STATIC_ROWS = select(_P.user_id, _P.config_token, _P.capacity, _P.skills, _P.languages,
                      _P.channel_weights, _P.working_hours) \
    .where(_P.user_id.in_(bindparam("ids", expanding=True)))
_KIND = select(Channel.kind).where(Channel.id == bindparam("id"))


def stamp(at: datetime | None) -> float:
    return at.timestamp() if at else 0.0


def static_profiles(session: Session, keys: Iterable[tuple[int, str]]) -> dict[int, Static]:
    """Static settings of the agents named by (user id, config token)."""
    keys = list(keys)
    missing = [user_id for user_id, token in keys if (user_id, token) not in STATIC]
    if missing:
        if len(STATIC) > STATIC_MAX:
            STATIC.clear()
        for row in session.connection().execute(_STATIC_ROWS, {"ids": missing}):
            STATIC[(row.user_id, row.config_token)] = Static(
                capacity=max(row.capacity, 1), skills=frozenset(row.skills),
                languages=frozenset(row.languages), weights=dict(row.channel_weights),
                hours=list(row.working_hours))
    return {user_id: STATIC[(user_id, token)] for user_id, token in keys
            if (user_id, token) in STATIC}


def read_agents(session: Session, workspace_id: int,
                user_ids: Iterable[int] | None = None) -> dict[int, AgentEntry]:
    """Online agents (all, or those of `user_ids`) as the session sees them now."""
    if user_ids is None:
        return read_all(session, workspace_id)[0]
    ids = padded(sorted(set(user_ids)))  # a few statement texts, all prepared
    if not ids:
        return {}
    return _read(session, _SOME_AGENTS, {"ws": workspace_id, "ids": ids})[0]


def read_all(session: Session, workspace_id: int,
              previous: Mapping[int, AgentEntry] | None = None
              ) -> tuple[dict[int, AgentEntry], str | None]:
    """Every online agent of the workspace, and its time zone. An agent found as in
    `previous` is that same entry, with the state it has worked out already."""
    session.flush()
    return _entries(session, _ALL.rows(session.connection(), {"ws": workspace_id}), previous)


def read_slices(session: Session, workspace_id: int, slices: int, read: Iterable[int],
                previous: Mapping[int, AgentEntry] | None = None
                ) -> tuple[dict[int, AgentEntry], str | None]:
    """The online agents whose `user_id % slices` is in `read`, and the time zone; as
    read_all, in one statement."""
    session.flush()
    params = {"ws": workspace_id, "n": slices, "mask": sum(1 << k for k in set(read))}
    return _entries(session, _SLICES.rows(session.connection(), params), previous)


def _read(session: Session, query: CompoundSelect[Any], params: dict[str, Any]
          ) -> tuple[dict[int, AgentEntry], str | None]:
    session.flush()
    return _entries(session, session.connection().execute(query, params).all())


def _entries(session: Session, rows: Iterable[Sequence[Any]],
             previous: Mapping[int, AgentEntry] | None = None
             ) -> tuple[dict[int, AgentEntry], str | None]:
    online: list[tuple[int, int, str, datetime | None]] = []
    teams: dict[int, set[int]] = {}
    held: dict[int, dict[str, int]] = {}
    zone: str | None = None
    for part, user_id, num, word, at in rows:
        if part == 0:
            online.append((user_id, num, word, at))
        elif part == 1:
            teams.setdefault(user_id, set()).add(num)
        elif part == 2:
            held.setdefault(user_id, {})[word] = num
        else:
            zone = word
    if not online:
        return {}, zone
    static = static_profiles(session, ((user_id, token) for user_id, _, token, _ in online))
    agents: dict[int, AgentEntry] = {}
    old = previous or {}
    for user_id, ws, token, at in online:
        fixed = static.get(user_id)
        if fixed is None:
            continue
        team_ids, holds, last = frozenset(teams.get(user_id, ())), held.get(user_id, {}), \
            stamp(at)
        entry = old.get(user_id)
        if entry is None or entry.token != token or entry.static is not fixed \
                or entry.workspace_id != ws or entry.team_ids != team_ids \
                or entry.held != holds or entry.last_assigned != last:
            entry = AgentEntry(user_id=user_id, workspace_id=ws, token=token, static=fixed,
                               team_ids=team_ids, held=holds, last_assigned=last)
        agents[user_id] = entry
    return agents, zone


def channel_kind(session: Session, channel_id: int) -> str:
    """The kind of a channel (kinds never change, so this is cached per engine)."""
    kinds = engine_state(engine_of(session)).channel_kinds
    kind = kinds.get(channel_id)
    if kind is None:
        kind = session.connection().scalar(_KIND, {"id": channel_id}) or "api"
        kinds[channel_id] = kind
    return kind


def read_held(session: Session, workspace_id: int, user_id: int) -> dict[str, int]:
    """Open conversations the agent holds, by channel kind (read it after the lock)."""
    return {kind: n for kind, n in
            session.connection().execute(_ONE_LOAD, {"ws": workspace_id, "id": user_id})}
