"""The per-process copy of agents' state, as data: each online agent's entry, each
workspace's shared copy, the copies of one engine, and what one transaction knows beyond
them (routing.snapshot says how they are used and kept right)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pasokh.routing import assignment as pick
from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS

KEY = "pasokh.routing.snapshot"


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
STATIC: dict[tuple[int, str], Static] = {}
STATIC_MAX = 50_000


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
    """The shared copy for one workspace on one engine.

    Its agents are in `slices` slices (by `user_id % slices`), each read again on its own
    (routing.snapshot.snapshot_for): `read_at[k]` is when slice k was last read, and
    `lead[k]` how much before its age bound it is read next, so that the slices of a copy
    read at once come due at different moments (0 once a slice has been read alone).
    """

    workspace_id: int
    zone: ZoneInfo
    loaded_at: float
    agents: dict[int, AgentEntry]
    stale: set[int] = field(default_factory=set)
    versions: dict[int, int] = field(default_factory=dict)
    slices: int = 1
    spread: float = 0.0
    read_at: list[float] = field(default_factory=list)
    lead: list[float] = field(default_factory=list)
    # The choice functions' view of `agents` for one local minute; a change to one agent
    # drops just their state.
    _minute: datetime | None = field(default=None, repr=False)
    _states: dict[int, pick.AgentState] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = self.slices
        self.read_at = [self.loaded_at] * n
        self.lead = [self.spread * (n - 1 - k) / n for k in range(n)]

    def due(self, now: float, max_age: float) -> list[int]:
        """The slices to read again before a choice that tolerates `max_age` seconds."""
        return [k for k in range(self.slices)
                if now - self.read_at[k] >= max_age - self.lead[k]]

    def oldest(self) -> float:
        """When the least recently read slice was read."""
        return min(self.read_at)

    def read_time(self, user_id: int) -> float:
        """When the agent's slice was last read."""
        return self.read_at[user_id % self.slices]

    def drop_states(self) -> None:
        self._minute, self._states = None, {}

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
class EngineState:
    workspaces: dict[int, WorkspaceSnapshot] = field(default_factory=dict)
    channel_kinds: dict[int, str] = field(default_factory=dict)


REGISTRY: WeakKeyDictionary[Engine, EngineState] = WeakKeyDictionary()
LOCK = threading.RLock()


@dataclass
class Txn:
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


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def txn_of(session: Session) -> Txn:
    txn = session.info.get(KEY)
    if txn is None:
        txn = session.info[KEY] = Txn(engine=engine_of(session))
    assert isinstance(txn, Txn)
    return txn


def engine_state(engine: Engine) -> EngineState:
    with LOCK:
        state = REGISTRY.get(engine)
        if state is None:
            state = REGISTRY[engine] = EngineState()
        return state


def reset() -> None:
    """Forget every copy in this process (tests, or after restoring a database)."""
    with LOCK:
        REGISTRY.clear()
        STATIC.clear()
