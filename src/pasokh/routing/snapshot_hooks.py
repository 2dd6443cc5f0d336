"""Keeping the copy right: ORM changes made in this process (a resolve, an assignment, a
presence or team change) are noticed after each flush; on commit, what a transaction knows
exactly is written to the shared copy and the rest is marked stale; a rolled-back savepoint
forgets what it knew. The hooks only look at objects in the flush and touch memory, never
the database."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from itertools import chain
from typing import Any

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from pasokh.inbox.models import Conversation
from pasokh.routing.models import STATIC_PROFILE_FIELDS, AgentProfile
from pasokh.routing.snapshot_data import (
    KEY,
    LOCK,
    REGISTRY,
    Txn,
    WorkspaceSnapshot,
    engine_state,
    txn_of,
)
from pasokh.users.models import TeamMember


def note_changed(session: Session, user_ids: Iterable[int | None],
                 workspace_id: int | None = None, *, delta: bool = False) -> None:
    """These agents' load, presence or teams changed in this transaction: re-read them.

    `delta`: the caller records the change as a load delta (note_load_delta) too.
    """
    txn: Txn | None = None
    for user_id in user_ids:
        if user_id is None:
            continue
        txn = txn or txn_of(session)
        txn.touched.add(user_id)
        txn.known.pop(user_id, None)
        txn.dirty[user_id] = workspace_id
        if not delta:
            txn.impure.add(user_id)


def _note_load_delta(session: Session, workspace_id: int, user_id: int, channel_id: int,
                     change: int) -> None:
    """The agent holds `change` more open conversations on this channel (ORM write)."""
    txn = txn_of(session)
    state = engine_state(txn.engine)
    kind = state.channel_kinds.get(channel_id)
    if kind is None:  # the hooks never read the database: re-read the agent instead
        txn.impure.add(user_id)
        return
    if user_id not in txn.delta_base:
        with LOCK:
            snap = state.workspaces.get(workspace_id)
            version = snap.versions.get(user_id, 0) if snap is not None else 0
        txn.delta_base[user_id] = (snap, version, time.monotonic())
    held = txn.deltas.setdefault(user_id, {})
    held[kind] = held.get(kind, 0) + change



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


def _publish(txn: Txn) -> None:
    """On commit: write what this transaction knows exactly; mark the rest stale."""
    changed = txn.touched | txn.dirty.keys()
    if not changed:
        return
    with LOCK:
        for engine, state in list(REGISTRY.items()):
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


def _apply_delta(txn: Txn, snap: WorkspaceSnapshot, user_id: int) -> bool:
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
            or user_id in snap.stale or snap.read_time(user_id) >= at:
        return False
    held = dict(entry.held)
    for kind, change in delta.items():
        held[kind] = held.get(kind, 0) + change
        if held[kind] < 0:
            return False
    snap.put(user_id, replace(entry, held={k: n for k, n in held.items() if n},
                              _state=None))
    return True


def _exact(txn: Txn, engine: Engine, snap: WorkspaceSnapshot, user_id: int) -> bool:
    """This transaction held the agent's row lock and nobody changed the copy since."""
    entry, seen = txn.known.get(user_id), txn.locked.get(user_id)
    return (engine is txn.engine and entry is not None and seen is not None
            and seen[0] is snap and snap.versions.get(user_id, 0) == seen[1]
            and user_id not in txn.dirty and entry.workspace_id == snap.workspace_id)


def _after_commit(session: Session) -> None:
    txn = session.info.pop(KEY, None)
    if isinstance(txn, Txn):
        _publish(txn)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    txn = session.info.get(KEY)
    if isinstance(txn, Txn) and previous.nested:
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
        session.info.pop(KEY, None)


# Session-wide ORM hooks, as models._rotate_config_token does for profiles: every change to
# an assignee, a status, a presence or a team membership, wherever it is made, reaches the
# copy. They only look at objects in the flush and touch memory, never the database.
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _after_soft_rollback)
event.listen(Session, "after_transaction_end", _after_transaction_end)
