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

This module is the view a decision chooses from and the locked re-check; the copy's data
structures are in `snapshot_data`, the statements that read agents in `agent_reads`, and
the ORM hooks that keep the copy right (point 2, and publishing on commit) in
`snapshot_hooks`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pasokh.routing import assignment as pick
from pasokh.routing.agent_reads import (
    LOCK_ROW,
    LOCK_ROW_IN_TEAM,
    SOME_TEAMS,
    channel_kind,
    read_agents,
    read_all,
    read_held,
    read_slices,
    stamp,
    static_profiles,
)
from pasokh.routing.snapshot_data import (
    LOCK,
    AgentEntry,
    Txn,
    WorkspaceSnapshot,
    engine_state,
    reset,
    txn_of,
)
from pasokh.routing.snapshot_hooks import note_changed

__all__ = ["MAX_AGE_S", "WAIT_MAX_AGE_S", "AgentEntry", "WorkspaceSnapshot", "age",
           "agents_view", "channel_kind", "entry_of", "lock_agent", "note_assigned",
           "note_changed", "note_load", "read_agents", "read_held", "reset", "snapshot_for",
           "static_profiles"]

# A copy older than this is reloaded before a choice: the bound on how long another
# process's change (a resolve, an agent coming online) can go unseen by this one.
MAX_AGE_S = 2.0
# The copy of a larger workspace is read again a slice at a time, about this many agents
# a slice (at most MAX_SLICES slices): reading 200 agents at once took one decision in
# every ~100 1.7 ms longer, and was most of the PostgreSQL decision's p99. After a whole
# reload, the first re-reads of its slices are spread over the last SPREAD_S seconds of
# the age bound, so that they come due one at a time.
SLICE_AGENTS = 25
MAX_SLICES = 8
SPREAD_S = MAX_AGE_S / 2
# Before a conversation is told "no agent has room", the copy must be at most this old.
WAIT_MAX_AGE_S = 0.25


# --- the view a decision chooses from ----------------------------------------------------

def _load_snapshot(session: Session, txn: Txn, workspace_id: int,
                   old: WorkspaceSnapshot | None) -> WorkspaceSnapshot:
    """Read the workspace's copy again (one statement). Agents found unchanged keep their
    entry, and their state for the current minute, so a periodic reload costs the reading
    and little else."""
    with LOCK:
        previous = dict(old.agents) if old is not None else None
    agents, zone_name = read_all(session, workspace_id, previous)
    zone = ZoneInfo(zone_name or "Asia/Tehran")
    slices = min(MAX_SLICES, max(1, len(agents) // SLICE_AGENTS))
    snap = WorkspaceSnapshot(workspace_id=workspace_id, zone=zone, loaded_at=time.monotonic(),
                             agents=agents, slices=slices, spread=SPREAD_S)
    if old is not None and old.zone == zone:
        with LOCK:
            snap.keep_states(old)
    # What this transaction changed is in what it just read, uncommitted: keep it private.
    for user_id in txn.touched | txn.dirty.keys():
        txn.known[user_id] = agents.get(user_id)
        txn.dirty.pop(user_id, None)
        snap.mark_stale(user_id)
        snap.agents.pop(user_id, None)
    with LOCK:
        engine_state(txn.engine).workspaces[workspace_id] = snap
    return snap


def _load_slices(session: Session, txn: Txn, snap: WorkspaceSnapshot, due: list[int]) -> None:
    """Read the agents of the `due` slices again, in place (one statement). An agent whose
    copy changed meanwhile (another transaction of this process committed) keeps it."""
    n, read = snap.slices, set(due)
    with LOCK:
        seen = dict(snap.versions)
        previous = {u: e for u, e in snap.agents.items() if u % n in read}
    agents, zone_name = read_slices(session, snap.workspace_id, n, read, previous)
    now = time.monotonic()
    mine = txn.touched | txn.dirty.keys()
    with LOCK:
        zone = ZoneInfo(zone_name or "Asia/Tehran")
        if zone != snap.zone:
            snap.zone = zone
            snap.drop_states()
        for user_id in previous.keys() | agents.keys():
            if user_id in mine:
                continue  # read with this transaction's uncommitted changes: below
            if snap.versions.get(user_id, 0) != seen.get(user_id, 0):
                continue
            entry = agents.get(user_id)
            if entry is None or snap.agents.get(user_id) is not entry \
                    or user_id in snap.stale:
                snap.put(user_id, entry)
        for k in read:
            snap.read_at[k], snap.lead[k] = now, 0.0
    for user_id in mine:
        if user_id % n in read and (user_id in agents or user_id in previous):
            txn.known[user_id] = agents.get(user_id)
            txn.dirty.pop(user_id, None)
            with LOCK:
                snap.mark_stale(user_id)


def _refresh(session: Session, txn: Txn, snap: WorkspaceSnapshot) -> None:
    """Re-read agents this transaction changed without saying how, and stale shared ones."""
    ws = snap.workspace_id
    mine = [u for u, w in txn.dirty.items() if w in (None, ws)]
    with LOCK:
        shared = [u for u in snap.stale if u not in txn.touched and u not in txn.dirty]
        seen = {u: snap.versions.get(u, 0) for u in shared}
    if not mine and not shared:
        return
    fresh = read_agents(session, ws, [*mine, *shared])
    for user_id in mine:
        txn.dirty.pop(user_id, None)
        txn.known[user_id] = fresh.get(user_id)
    with LOCK:
        for user_id in shared:
            if snap.versions.get(user_id, 0) == seen[user_id]:
                snap.put(user_id, fresh.get(user_id))


def snapshot_for(session: Session, workspace_id: int, *, max_age: float = MAX_AGE_S
                 ) -> WorkspaceSnapshot:
    """The workspace's shared copy, reloaded when missing or older than `max_age` seconds."""
    txn = txn_of(session)
    with LOCK:
        snap = engine_state(txn.engine).workspaces.get(workspace_id)
    if snap is None:
        snap = _load_snapshot(session, txn, workspace_id, snap)
    else:
        due = snap.due(time.monotonic(), max_age)
        if len(due) == snap.slices:
            snap = _load_snapshot(session, txn, workspace_id, snap)
        elif due:
            _load_slices(session, txn, snap, due)
    _refresh(session, txn, snap)
    return snap


def agents_view(session: Session, workspace_id: int, now: datetime, *,
                max_age: float = MAX_AGE_S) -> tuple[list[pick.AgentState], WorkspaceSnapshot]:
    """Online agents with their load as this transaction sees it, ready for the choice."""
    snap = snapshot_for(session, workspace_id, max_age=max_age)
    txn = txn_of(session)
    local = now.astimezone(snap.zone)
    with LOCK:
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
    """Seconds since the least recently read part of the copy was read."""
    return time.monotonic() - snap.oldest()


def entry_of(session: Session, workspace_id: int, user_id: int) -> AgentEntry | None:
    """The agent as this transaction sees them (after `agents_view`), or None."""
    txn = txn_of(session)
    if user_id in txn.known:
        return txn.known[user_id]
    with LOCK:
        snap = engine_state(txn.engine).workspaces.get(workspace_id)
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
    txn = txn_of(session)
    with LOCK:
        snap = engine_state(txn.engine).workspaces.get(workspace_id)
        version = snap.versions.get(user_id, 0) if snap is not None else 0
    session.flush()
    conn = session.connection()
    if team_id is None:
        row = LOCK_ROW.first(conn, {"id": user_id, "ws": workspace_id})
    else:
        row = LOCK_ROW_IN_TEAM.first(conn, {"id": user_id, "ws": workspace_id, "team": team_id})
    if row is None:
        # Offline, gone, or locked by someone else: say nothing of the first two here.
        return None
    presence, token, last_assigned_at = row[:3]
    if presence != "online":
        txn.known[user_id] = None
        return None
    if team_id is not None and not row[3]:
        txn.dirty[user_id] = workspace_id  # team membership changed: re-read all of it
        return None
    held = read_held(session, workspace_id, user_id) if read_load else {}
    known = txn.known.get(user_id) or (snap.agents.get(user_id) if snap is not None else None)
    teams = known.team_ids if known is not None and user_id not in txn.dirty else None
    if teams is None:
        teams = frozenset(t for _, t in conn.execute(SOME_TEAMS, {"ws": workspace_id,
                                                                   "ids": [user_id]}))
    static = static_profiles(session, [(user_id, token)])[user_id]
    entry = AgentEntry(user_id=user_id, workspace_id=workspace_id, token=token,
                       static=static, team_ids=teams, held=held,
                       last_assigned=stamp(last_assigned_at))
    if read_load:
        txn.known[user_id] = entry
    else:
        txn.unloaded[user_id] = entry
    txn.locked.setdefault(user_id, (snap, version))
    return entry


def note_load(session: Session, user_id: int, held: Mapping[str, int]) -> AgentEntry:
    """The load of an agent locked with `read_load=False`, read after the lock."""
    txn = txn_of(session)
    entry = replace(txn.unloaded.pop(user_id), held=dict(held), _state=None)
    txn.known[user_id] = entry
    return entry


def note_assigned(session: Session, user_id: int, channel_kind: str, at: datetime) -> None:
    """Routing gave the agent one more conversation in this transaction (Core write)."""
    txn = txn_of(session)
    entry = txn.known.get(user_id)
    txn.touched.add(user_id)
    if entry is None:
        txn.dirty[user_id] = None
        txn.impure.add(user_id)
    else:
        txn.known[user_id] = entry.assigned(channel_kind, at.timestamp())
