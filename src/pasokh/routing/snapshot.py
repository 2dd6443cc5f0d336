"""A per-process copy of each workspace's agent state, so a routing choice reads no table.

For every online agent it keeps the config token (which names the cached static profile:
capacity, skills, languages, weights, hours), team ids, the open conversations they hold
per channel kind, and when they were last assigned. The copy is a *hint* for choosing; it
is never trusted for the write. How it stays right:

1. Routing's own writes update the transaction's view at once and the shared copy on
   commit (`note_locked`, `note_assigned`); a rollback discards them.
2. Any other ORM change in this process (inbox resolve or assign, merge, presence, team
   membership) is noticed by an `after_flush` hook: the transaction re-reads those agents
   before its next choice, and on commit they are marked stale for everyone, except that
   a change of load alone (a resolve, a reassignment) is added to the copy it was made
   against (`_apply_delta`), which then needs no re-read.
3. Other processes' changes: the copy is reloaded when older than `MAX_AGE_S`, and the
   assignment itself locks the chosen agent's row and re-reads their presence, config and
   load inside the transaction (`lock_agent`); so several processes never overload an
   agent, and a stale copy costs at most a less-than-best choice or a re-choice.

The copy is keyed by Engine (weakly): a new Database is a new copy, so tests that empty
and refill a database through a new engine never see an old one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Engine,
    Integer,
    bindparam,
    event,
    exists,
    func,
    inspect,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, SessionTransaction

from pasokh.channels.models import Channel
from pasokh.db import padded
from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing.models import (
    DEFAULT_CHANNEL_WEIGHTS,
    STATIC_PROFILE_FIELDS,
    AgentProfile,
    BusinessCalendar,
)
from pasokh.routing.tables import RESOLVED
from pasokh.users.models import Team, TeamMember

# A copy older than this is reloaded before a choice: the bound on how long another
# process's change (a resolve, an agent coming online) can go unseen by this one.
MAX_AGE_S = 2.0
# Before a conversation is told "no agent has room", the copy must be at most this old.
WAIT_MAX_AGE_S = 0.25
_KEY = "pasokh.routing.snapshot"


@dataclass(frozen=True)
class Static:
    """An agent's rarely changing settings, cached by config token."""

    capacity: int
    skills: frozenset[str]
    languages: frozenset[str]
    weights: dict[str, int]
    hours: list[Any]


# Keyed by (user, config_token): a new token (models._rotate_config_token) is a new key,
# so a copy is never stale.
_STATIC: dict[tuple[int, str], Static] = {}
_STATIC_MAX = 50_000


@dataclass
class AgentEntry:
    """One online agent as routing sees them; replaced, never changed, when state changes."""

    user_id: int
    workspace_id: int
    token: str
    static: Static
    team_ids: frozenset[int]
    held: Mapping[str, int]  # open conversations held, by channel kind
    last_assigned: float
    # (minute, state): AgentState with availability for that local minute.
    _state: tuple[datetime | None, pick.AgentState] | None = field(default=None, repr=False)

    @property
    def load(self) -> int:
        w = self.static.weights
        return sum(w.get(kind, DEFAULT_CHANNEL_WEIGHTS.get(kind, 1)) * n
                   for kind, n in self.held.items())

    def state(self, local: datetime) -> pick.AgentState:
        """The choice functions' view at `local` (cached per minute; do not mutate it)."""
        minute = local.replace(second=0, microsecond=0) if self.static.hours else None
        cached = self._state
        if cached is not None and cached[0] == minute:
            return cached[1]
        fixed = self.static
        state = pick.AgentState(
            id=self.user_id, capacity=fixed.capacity, skills=fixed.skills,
            languages=fixed.languages, team_ids=self.team_ids, weights=fixed.weights,
            available=pick.within_hours(fixed.hours, local), load=self.load,
            last_assigned=self.last_assigned)
        self._state = (minute, state)
        return state

    def assigned(self, kind: str, at: float) -> AgentEntry:
        """This agent after taking one more conversation on `kind`."""
        held = dict(self.held)
        held[kind] = held.get(kind, 0) + 1
        return replace(self, held=held, last_assigned=at, _state=None)


@dataclass
class WorkspaceSnapshot:
    """The shared copy for one workspace on one engine."""

    workspace_id: int
    zone: ZoneInfo
    loaded_at: float
    agents: dict[int, AgentEntry]
    stale: set[int] = field(default_factory=set)
    versions: dict[int, int] = field(default_factory=dict)
    # The choice functions' view of `agents` for one local minute; a change to one agent
    # drops just their state.
    _minute: datetime | None = field(default=None, repr=False)
    _states: dict[int, pick.AgentState] = field(default_factory=dict, repr=False)

    def bump(self, user_id: int) -> None:
        self.versions[user_id] = self.versions.get(user_id, 0) + 1
        self._states.pop(user_id, None)

    def states(self, local: datetime) -> list[pick.AgentState]:
        """Every agent's AgentState at `local` (shared: never mutate them)."""
        minute = local.replace(second=0, microsecond=0)
        if minute != self._minute:
            self._minute, self._states = minute, {}
        states = self._states
        if len(states) != len(self.agents):
            for user_id, entry in self.agents.items():
                if user_id not in states:
                    states[user_id] = entry.state(local)
        return list(states.values())

    def keep_states(self, old: WorkspaceSnapshot) -> None:
        """Take over `old`'s worked-out states of agents whose entry this copy shares."""
        if old._minute is None:
            return
        self._minute = old._minute
        self._states = {user_id: state for user_id, state in old._states.items()
                        if self.agents.get(user_id) is old.agents.get(user_id)}

    def mark_stale(self, user_id: int) -> None:
        self.bump(user_id)
        self.stale.add(user_id)

    def put(self, user_id: int, entry: AgentEntry | None) -> None:
        self.bump(user_id)
        self.stale.discard(user_id)
        if entry is None:
            self.agents.pop(user_id, None)
        else:
            self.agents[user_id] = entry


@dataclass
class _EngineState:
    workspaces: dict[int, WorkspaceSnapshot] = field(default_factory=dict)
    channel_kinds: dict[int, str] = field(default_factory=dict)


_REGISTRY: WeakKeyDictionary[Engine, _EngineState] = WeakKeyDictionary()
_LOCK = threading.RLock()


@dataclass
class _Txn:
    """What one transaction knows beyond the shared copy: its own, uncommitted changes."""

    engine: Engine
    known: dict[int, AgentEntry | None] = field(default_factory=dict)  # None = not online
    dirty: dict[int, int | None] = field(default_factory=dict)  # user -> workspace, re-read
    touched: set[int] = field(default_factory=set)  # changed by this transaction
    locked: dict[int, tuple[WorkspaceSnapshot | None, int]] = field(default_factory=dict)
    unloaded: dict[int, AgentEntry] = field(default_factory=dict)  # locked, load unread
    # Load changes this transaction made through the ORM (a resolve, a reassignment), by
    # agent and channel kind, with the copy and version they apply to: on commit they are
    # added to the copy instead of re-reading the agent (see _apply_delta).
    deltas: dict[int, dict[str, int]] = field(default_factory=dict)
    delta_base: dict[int, tuple[WorkspaceSnapshot | None, int, float]] = field(
        default_factory=dict)
    impure: set[int] = field(default_factory=set)  # changed in ways a delta cannot say


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _txn(session: Session) -> _Txn:
    txn = session.info.get(_KEY)
    if txn is None:
        txn = session.info[_KEY] = _Txn(engine=_engine_of(session))
    assert isinstance(txn, _Txn)
    return txn


def _engine_state(engine: Engine) -> _EngineState:
    with _LOCK:
        state = _REGISTRY.get(engine)
        if state is None:
            state = _REGISTRY[engine] = _EngineState()
        return state


def reset() -> None:
    """Forget every copy in this process (tests, or after restoring a database)."""
    with _LOCK:
        _REGISTRY.clear()
        _STATIC.clear()


# --- reading the database ----------------------------------------------------------------

_P = AgentProfile


def _agents_query(some: bool) -> CompoundSelect[Any]:
    """Online agents (part 0), their teams (1) and load per channel kind (2): one statement,
    so reading agents is one round trip (a stale agent is re-read before the next choice)."""
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
    if some:
        ids: BindParameter[int] = bindparam("ids", expanding=True)
        online = online.where(_P.user_id.in_(ids))
        teams = teams.where(TeamMember.user_id.in_(ids))
        loads = loads.where(Conversation.assignee_id.in_(ids))
        return union_all(online, teams, loads)
    # Reading everyone (a reload) also reads the workspace's time zone (part 3): no extra
    # round trip.
    zone = select(literal_column("3", Integer), null(), null(), BusinessCalendar.timezone,
                  null()).where(BusinessCalendar.workspace_id == bindparam("ws"))
    return union_all(online, teams, loads, zone)


_ALL_AGENTS, _SOME_AGENTS = _agents_query(False), _agents_query(True)
_SOME_TEAMS = select(TeamMember.user_id, TeamMember.team_id) \
    .join(Team, Team.id == TeamMember.team_id) \
    .where(Team.workspace_id == bindparam("ws"),
           TeamMember.user_id.in_(bindparam("ids", expanding=True)))
_ONE_LOAD = (select(Channel.kind, func.count()).select_from(Conversation)
             .join(Channel, Channel.id == Conversation.channel_id)
             .where(Conversation.workspace_id == bindparam("ws"),
                    Conversation.assignee_id == bindparam("id"),
                    Conversation.status != RESOLVED)
             .group_by(Channel.kind))
# SKIP LOCKED (PostgreSQL; SQLite serialises writers anyway): see lock_agent.
_LOCK_ROW = select(_P.presence, _P.config_token, _P.last_assigned_at) \
    .where(_P.user_id == bindparam("id"), _P.workspace_id == bindparam("ws")) \
    .with_for_update(skip_locked=True)
# The same, also saying whether the agent is in the conversation's team (no extra trip).
_LOCK_ROW_IN_TEAM = _LOCK_ROW.add_columns(exists().where(
    TeamMember.user_id == _P.user_id, TeamMember.team_id == bindparam("team")).label("in_team"))
_STATIC_ROWS = select(_P.user_id, _P.config_token, _P.capacity, _P.skills, _P.languages,
                      _P.channel_weights, _P.working_hours) \
    .where(_P.user_id.in_(bindparam("ids", expanding=True)))
_KIND = select(Channel.kind).where(Channel.id == bindparam("id"))


def _stamp(at: datetime | None) -> float:
    return at.timestamp() if at else 0.0


def static_profiles(session: Session, keys: Iterable[tuple[int, str]]) -> dict[int, Static]:
    """Static settings of the agents named by (user id, config token)."""
    keys = list(keys)
    missing = [user_id for user_id, token in keys if (user_id, token) not in _STATIC]
    if missing:
        if len(_STATIC) > _STATIC_MAX:
            _STATIC.clear()
        for row in session.connection().execute(_STATIC_ROWS, {"ids": missing}):
            _STATIC[(row.user_id, row.config_token)] = Static(
                capacity=max(row.capacity, 1), skills=frozenset(row.skills),
                languages=frozenset(row.languages), weights=dict(row.channel_weights),
                hours=list(row.working_hours))
    return {user_id: _STATIC[(user_id, token)] for user_id, token in keys
            if (user_id, token) in _STATIC}


def read_agents(session: Session, workspace_id: int,
                user_ids: Iterable[int] | None = None) -> dict[int, AgentEntry]:
    """Online agents (all, or those of `user_ids`) as the session sees them now."""
    if user_ids is None:
        return _read_all(session, workspace_id)[0]
    ids = padded(sorted(set(user_ids)))  # a few statement texts, all prepared
    if not ids:
        return {}
    return _read(session, _SOME_AGENTS, {"ws": workspace_id, "ids": ids})[0]


def _read_all(session: Session, workspace_id: int,
              previous: Mapping[int, AgentEntry] | None = None
              ) -> tuple[dict[int, AgentEntry], str | None]:
    """Every online agent of the workspace, and its time zone. An agent found as in
    `previous` is that same entry, with the state it has worked out already."""
    return _read(session, _ALL_AGENTS, {"ws": workspace_id}, previous)


def _read(session: Session, query: CompoundSelect[Any], params: dict[str, Any],
          previous: Mapping[int, AgentEntry] | None = None
          ) -> tuple[dict[int, AgentEntry], str | None]:
    session.flush()
    online: list[tuple[int, int, str, datetime | None]] = []
    teams: dict[int, set[int]] = {}
    held: dict[int, dict[str, int]] = {}
    zone: str | None = None
    for part, user_id, num, word, at in session.connection().execute(query, params).all():
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
        team_ids, holds, stamp = frozenset(teams.get(user_id, ())), held.get(user_id, {}), \
            _stamp(at)
        entry = old.get(user_id)
        if entry is None or entry.token != token or entry.static is not fixed \
                or entry.workspace_id != ws or entry.team_ids != team_ids \
                or entry.held != holds or entry.last_assigned != stamp:
            entry = AgentEntry(user_id=user_id, workspace_id=ws, token=token, static=fixed,
                               team_ids=team_ids, held=holds, last_assigned=stamp)
        agents[user_id] = entry
    return agents, zone


def channel_kind(session: Session, channel_id: int) -> str:
    """The kind of a channel (kinds never change, so this is cached per engine)."""
    kinds = _engine_state(_engine_of(session)).channel_kinds
    kind = kinds.get(channel_id)
    if kind is None:
        kind = session.connection().scalar(_KIND, {"id": channel_id}) or "api"
        kinds[channel_id] = kind
    return kind


# --- the view a decision chooses from ----------------------------------------------------

def _load_snapshot(session: Session, txn: _Txn, workspace_id: int,
                   old: WorkspaceSnapshot | None) -> WorkspaceSnapshot:
    """Read the workspace's copy again (one statement). Agents found unchanged keep their
    entry, and their state for the current minute, so a periodic reload costs the reading
    and little else."""
    with _LOCK:
        previous = dict(old.agents) if old is not None else None
    agents, zone_name = _read_all(session, workspace_id, previous)
    zone = ZoneInfo(zone_name or "Asia/Tehran")
    snap = WorkspaceSnapshot(workspace_id=workspace_id, zone=zone, loaded_at=time.monotonic(),
                             agents=agents)
    if old is not None and old.zone == zone:
        with _LOCK:
            snap.keep_states(old)
    # What this transaction changed is in what it just read, uncommitted: keep it private.
    for user_id in txn.touched | txn.dirty.keys():
        txn.known[user_id] = agents.get(user_id)
        txn.dirty.pop(user_id, None)
        snap.mark_stale(user_id)
        snap.agents.pop(user_id, None)
    with _LOCK:
        _engine_state(txn.engine).workspaces[workspace_id] = snap
    return snap


def _refresh(session: Session, txn: _Txn, snap: WorkspaceSnapshot) -> None:
    """Re-read agents this transaction changed without saying how, and stale shared ones."""
    ws = snap.workspace_id
    mine = [u for u, w in txn.dirty.items() if w in (None, ws)]
    with _LOCK:
        shared = [u for u in snap.stale if u not in txn.touched and u not in txn.dirty]
        seen = {u: snap.versions.get(u, 0) for u in shared}
    if not mine and not shared:
        return
    fresh = read_agents(session, ws, [*mine, *shared])
    for user_id in mine:
        txn.dirty.pop(user_id, None)
        txn.known[user_id] = fresh.get(user_id)
    with _LOCK:
        for user_id in shared:
            if snap.versions.get(user_id, 0) == seen[user_id]:
                snap.put(user_id, fresh.get(user_id))


def snapshot_for(session: Session, workspace_id: int, *, max_age: float = MAX_AGE_S
                 ) -> WorkspaceSnapshot:
    """The workspace's shared copy, reloaded when missing or older than `max_age` seconds."""
    txn = _txn(session)
    with _LOCK:
        snap = _engine_state(txn.engine).workspaces.get(workspace_id)
    if snap is None or time.monotonic() - snap.loaded_at > max_age:
        snap = _load_snapshot(session, txn, workspace_id, snap)
    _refresh(session, txn, snap)
    return snap


def agents_view(session: Session, workspace_id: int, now: datetime, *,
                max_age: float = MAX_AGE_S) -> tuple[list[pick.AgentState], WorkspaceSnapshot]:
    """Online agents with their load as this transaction sees it, ready for the choice."""
    snap = snapshot_for(session, workspace_id, max_age=max_age)
    txn = _txn(session)
    local = now.astimezone(snap.zone)
    with _LOCK:
        if not txn.known:
            return snap.states(local), snap
        agents = dict(snap.agents)
    for user_id, entry in txn.known.items():
        if entry is None:
            agents.pop(user_id, None)
        elif entry.workspace_id == workspace_id:
            agents[user_id] = entry
    return [entry.state(local) for entry in agents.values()], snap


def age(snap: WorkspaceSnapshot) -> float:
    """Seconds since the copy was read from the database."""
    return time.monotonic() - snap.loaded_at


def entry_of(session: Session, workspace_id: int, user_id: int) -> AgentEntry | None:
    """The agent as this transaction sees them (after `agents_view`), or None."""
    txn = _txn(session)
    if user_id in txn.known:
        return txn.known[user_id]
    with _LOCK:
        snap = _engine_state(txn.engine).workspaces.get(workspace_id)
        return snap.agents.get(user_id) if snap is not None else None


# --- the authoritative re-check and routing's own writes ---------------------------------

def lock_agent(session: Session, workspace_id: int, user_id: int, *, team_id: int | None = None,
               read_load: bool = True) -> AgentEntry | None:
    """Lock the agent's row and re-read presence, config and load; None if not assignable.

    None when the agent is not online, not in `team_id`, or (PostgreSQL) their row is
    locked by another transaction assigning to them right now: then choose someone else
    rather than wait (waiting on a second agent's row while holding one can deadlock).
    Load is read after the lock, so a concurrent assignment to the same agent is seen.
    With `read_load=False` the caller reads it in a later statement (a claim that counts
    it) and must hand it to `note_load`; until then the entry's load is not known.
    """
    txn = _txn(session)
    with _LOCK:
        snap = _engine_state(txn.engine).workspaces.get(workspace_id)
        version = snap.versions.get(user_id, 0) if snap is not None else 0
    session.flush()
    conn = session.connection()
    if team_id is None:
        row = conn.execute(_LOCK_ROW, {"id": user_id, "ws": workspace_id}).first()
    else:
        row = conn.execute(_LOCK_ROW_IN_TEAM,
                           {"id": user_id, "ws": workspace_id, "team": team_id}).first()
    if row is None:
        # Offline, gone, or locked by someone else: say nothing of the first two here.
        return None
    if row.presence != "online":
        txn.known[user_id] = None
        return None
    if team_id is not None and not row.in_team:
        txn.dirty[user_id] = workspace_id  # team membership changed: re-read all of it
        return None
    held = read_held(session, workspace_id, user_id) if read_load else {}
    known = txn.known.get(user_id) or (snap.agents.get(user_id) if snap is not None else None)
    teams = known.team_ids if known is not None and user_id not in txn.dirty else None
    if teams is None:
        teams = frozenset(t for _, t in conn.execute(_SOME_TEAMS, {"ws": workspace_id,
                                                                   "ids": [user_id]}))
    static = static_profiles(session, [(user_id, row.config_token)])[user_id]
    entry = AgentEntry(user_id=user_id, workspace_id=workspace_id, token=row.config_token,
                       static=static, team_ids=teams, held=held,
                       last_assigned=_stamp(row.last_assigned_at))
    if read_load:
        txn.known[user_id] = entry
    else:
        txn.unloaded[user_id] = entry
    txn.locked.setdefault(user_id, (snap, version))
    return entry


def read_held(session: Session, workspace_id: int, user_id: int) -> dict[str, int]:
    """Open conversations the agent holds, by channel kind (read it after the lock)."""
    return {kind: n for kind, n in
            session.connection().execute(_ONE_LOAD, {"ws": workspace_id, "id": user_id})}


def note_load(session: Session, user_id: int, held: Mapping[str, int]) -> AgentEntry:
    """The load of an agent locked with `read_load=False`, read after the lock."""
    txn = _txn(session)
    entry = replace(txn.unloaded.pop(user_id), held=dict(held), _state=None)
    txn.known[user_id] = entry
    return entry


def note_assigned(session: Session, user_id: int, channel_kind: str, at: datetime) -> None:
    """Routing gave the agent one more conversation in this transaction (Core write)."""
    txn = _txn(session)
    entry = txn.known.get(user_id)
    txn.touched.add(user_id)
    if entry is None:
        txn.dirty[user_id] = None
        txn.impure.add(user_id)
    else:
        txn.known[user_id] = entry.assigned(channel_kind, at.timestamp())


def note_changed(session: Session, user_ids: Iterable[int | None],
                 workspace_id: int | None = None, *, delta: bool = False) -> None:
    """These agents' load, presence or teams changed in this transaction: re-read them.

    `delta`: the caller records the change as a load delta (note_load_delta) too.
    """
    txn: _Txn | None = None
    for user_id in user_ids:
        if user_id is None:
            continue
        txn = txn or _txn(session)
        txn.touched.add(user_id)
        txn.known.pop(user_id, None)
        txn.dirty[user_id] = workspace_id
        if not delta:
            txn.impure.add(user_id)


def _note_load_delta(session: Session, workspace_id: int, user_id: int, channel_id: int,
                     change: int) -> None:
    """The agent holds `change` more open conversations on this channel (ORM write)."""
    txn = _txn(session)
    state = _engine_state(txn.engine)
    kind = state.channel_kinds.get(channel_id)
    if kind is None:  # the hooks never read the database: re-read the agent instead
        txn.impure.add(user_id)
        return
    if user_id not in txn.delta_base:
        with _LOCK:
            snap = state.workspaces.get(workspace_id)
            version = snap.versions.get(user_id, 0) if snap is not None else 0
        txn.delta_base[user_id] = (snap, version, time.monotonic())
    held = txn.deltas.setdefault(user_id, {})
    held[kind] = held.get(kind, 0) + change


# --- keeping the copy right: ORM changes in this process, commit and rollback -------------

_CONV_FIELDS = ("assignee_id", "status", "channel_id")


def _conversation_agents(obj: Conversation, new: bool, deleted: bool) -> list[int | None]:
    if new or deleted:
        return [obj.assignee_id]
    state = inspect(obj)
    changed = [state.attrs[name].history for name in _CONV_FIELDS]
    if not any(h.has_changes() for h in changed):
        return []
    assignee = changed[0]
    return [obj.assignee_id, *assignee.deleted]


def _held_change(obj: Conversation, new: bool, deleted: bool
                 ) -> list[tuple[int, int, int]] | None:
    """(agent, channel id, +1/-1) for the open conversations this change adds or removes
    from agents' load; None when an old value is not known."""
    state = inspect(obj)
    before, after = [], []
    for name in _CONV_FIELDS:
        history = state.attrs[name].history
        now = getattr(obj, name)
        if not history.has_changes():
            before.append(now)
        elif history.deleted:
            before.append(history.deleted[0])
        elif new:
            before.append(None)
        else:
            return None  # changed without its old value loaded
        after.append(now)
    changes = []
    assignee, status, channel_id = before
    if not new and assignee is not None and status != "resolved":
        changes.append((assignee, channel_id, -1))
    assignee, status, channel_id = after
    if not deleted and assignee is not None and status != "resolved":
        changes.append((assignee, channel_id, 1))
    return changes


def _after_flush(session: Session, _context: Any) -> None:
    new, deleted = session.new, session.deleted
    for obj in chain(new, session.dirty, deleted):
        if isinstance(obj, Conversation):
            agents = _conversation_agents(obj, obj in new, obj in deleted)
            if not agents:
                continue
            held = _held_change(obj, obj in new, obj in deleted)
            note_changed(session, agents, obj.workspace_id, delta=held is not None)
            for user_id, channel_id, change in held or ():
                _note_load_delta(session, obj.workspace_id, user_id, channel_id, change)
        elif isinstance(obj, AgentProfile):
            state = inspect(obj)
            if obj in new or obj in deleted or any(
                    state.attrs[name].history.has_changes()
                    for name in ("presence", "workspace_id", *STATIC_PROFILE_FIELDS)):
                note_changed(session, [obj.user_id], obj.workspace_id)
        elif isinstance(obj, TeamMember):
            note_changed(session, [obj.user_id, *inspect(obj).attrs.user_id.history.deleted])


def _publish(txn: _Txn) -> None:
    """On commit: write what this transaction knows exactly; mark the rest stale."""
    changed = txn.touched | txn.dirty.keys()
    if not changed:
        return
    with _LOCK:
        for engine, state in list(_REGISTRY.items()):
            if engine.url != txn.engine.url:
                continue
            for snap in state.workspaces.values():
                for user_id in changed:
                    if _exact(txn, engine, snap, user_id):
                        snap.put(user_id, txn.known[user_id])
                        continue
                    if engine is txn.engine and _apply_delta(txn, snap, user_id):
                        continue
                    entry = txn.known.get(user_id)
                    hint = entry.workspace_id if entry is not None else txn.dirty.get(user_id)
                    if user_id in snap.agents or hint in (None, snap.workspace_id):
                        snap.mark_stale(user_id)


def _apply_delta(txn: _Txn, snap: WorkspaceSnapshot, user_id: int) -> bool:
    """Add this transaction's ORM load changes to the agent's copy, if they are all that
    changed and the copy is the one, at the version, seen when they were made (so it
    cannot already include them). A wrong copy would cost a less-than-best choice only:
    the write always locks and recounts."""
    delta, base = txn.deltas.get(user_id), txn.delta_base.get(user_id)
    if delta is None or base is None or user_id in txn.impure or user_id in txn.locked:
        return False
    seen, version, at = base
    entry = snap.agents.get(user_id)
    if seen is not snap or snap.versions.get(user_id, 0) != version or entry is None \
            or user_id in snap.stale or snap.loaded_at >= at:
        return False
    held = dict(entry.held)
    for kind, change in delta.items():
        held[kind] = held.get(kind, 0) + change
        if held[kind] < 0:
            return False
    snap.put(user_id, replace(entry, held={k: n for k, n in held.items() if n},
                              _state=None))
    return True


def _exact(txn: _Txn, engine: Engine, snap: WorkspaceSnapshot, user_id: int) -> bool:
    """This transaction held the agent's row lock and nobody changed the copy since."""
    entry, seen = txn.known.get(user_id), txn.locked.get(user_id)
    return (engine is txn.engine and entry is not None and seen is not None
            and seen[0] is snap and snap.versions.get(user_id, 0) == seen[1]
            and user_id not in txn.dirty and entry.workspace_id == snap.workspace_id)


def _after_commit(session: Session) -> None:
    txn = session.info.pop(_KEY, None)
    if isinstance(txn, _Txn):
        _publish(txn)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    txn = session.info.get(_KEY)
    if isinstance(txn, _Txn) and previous.nested:
        # A savepoint was rolled back: what this transaction knew may be undone, and row
        # locks taken since the savepoint are released. Re-read what it touched.
        for user_id in txn.touched | set(txn.known):
            txn.dirty.setdefault(user_id, None)
        txn.known.clear()
        txn.locked.clear()
        txn.unloaded.clear()
        txn.impure.update(txn.deltas)  # the savepoint may have undone some of them


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back or closed (a commit already published)
        session.info.pop(_KEY, None)


# Session-wide ORM hooks, as models._rotate_config_token does for profiles: every change to
# an assignee, a status, a presence or a team membership, wherever it is made, reaches the
# copy. They only look at objects in the flush and touch memory, never the database.
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _after_soft_rollback)
event.listen(Session, "after_transaction_end", _after_transaction_end)
