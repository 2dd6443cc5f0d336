"""Assignment: the least-loaded skilled agent with room takes the head of their line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pasokh.db import utcnow
from pasokh.inbox.models import Conversation
from pasokh.routing import assignment as pick
from pasokh.routing import snapshot
from pasokh.routing.config import calendar_zone
from pasokh.routing.decisions import insert_decision, record_assignment
from pasokh.routing.queue import Claimed, claim_head, queue_head


def load_agents(*, session: Session, workspace_id: int, now: datetime,
                zone: ZoneInfo | None = None, user_ids: Sequence[int] | None = None
                ) -> list[pick.AgentState]:
    """Online agents of a workspace with their load, read from the database now."""
    local = now.astimezone(zone or ZoneInfo("Asia/Tehran"))
    entries = snapshot.read_agents(session, workspace_id, user_ids)
    return [replace(entry.state(local)) for entry in entries.values()]


def waiting_of(*, session: Session, conversation: Conversation) -> pick.Waiting:
    """The conversation as the choice functions see it."""
    return pick.Waiting(id=conversation.id, priority_rank=conversation.priority_rank,
                        waiting_since=conversation.waiting_since or conversation.created_at,
                        channel_kind=snapshot.channel_kind(session, conversation.channel_id),
                        category=conversation.category, language=conversation.language,
                        team_id=conversation.team_id)


def fill(session: Session, agent: pick.AgentState, workspace_id: int, now: datetime,
         limit: int, dispatching: tuple[pick.Waiting, str] | None = None) -> list[int]:
    """Give a locked, freshly read agent the queue's head while it fits; stop when not.

    The agent's row is locked (snapshot.lock_agent) and `agent.load` read after the lock,
    so no other transaction can add to it before commit. When the head does not fit, the
    agent takes nothing lower: it is reserved for the head of the line. Returns the ids
    of the conversations taken. `dispatching`: the conversation being dispatched (with its
    priority); when another one ahead of it is taken, its wait decision is stored then.
    """
    taken: list[int] = []
    races = 0
    while len(taken) < limit:
        claimed = claim_head(session, agent, workspace_id, now)
        if claimed is None:
            head = queue_head(session, agent, workspace_id)
            if head is None or not pick.has_room(agent, head[0]) or races >= 3:
                break  # no work, or the head does not fit: nothing lower jumps it
            races += 1  # another process took the head a moment ago: look again
            continue
        _took(session, agent, workspace_id, claimed, now, dispatching)
        dispatching = None
        taken.append(claimed.conv.id)
    return taken


def _took(session: Session, agent: pick.AgentState, workspace_id: int, claimed: Claimed,
          now: datetime, dispatching: tuple[pick.Waiting, str] | None) -> None:
    """Record what the agent just claimed, and count it in their load."""
    conv = claimed.conv
    reasons = ["next in line: most urgent, longest waiting", *pick.why_chosen(agent, conv)]
    ahead_of = dispatching if dispatching and dispatching[0].id != conv.id else None
    record_assignment(session, workspace_id=workspace_id, conv=conv, priority=claimed.priority,
                      agent_id=agent.id, reasons=reasons, now=now, ahead_of=ahead_of)
    agent.load += pick.weight_of(agent, conv.channel_kind)
    agent.last_assigned = now.timestamp()
    snapshot.note_assigned(session, agent.id, conv.channel_kind, now)


def _claim_counting(session: Session, agent: pick.AgentState, workspace_id: int,
                    conv: pick.Waiting, priority: str, now: datetime) -> list[int] | None:
    """PostgreSQL's one-trip dispatch to an agent locked without reading their load: one
    claim counts the load, checks room for the head and for `conv`, and takes the head.

    Returns the ids taken, or None when the claim took nothing: then the load has been
    read and set on `agent`, and the caller decides as if it had been read at the lock.
    """
    need = pick.weight_of(agent, conv.channel_kind)
    claimed = claim_head(session, agent, workspace_id, now, need=need)
    held = claimed.held if claimed is not None else None
    entry = snapshot.note_load(session, agent.id, held if held is not None else
                               snapshot.read_held(session, workspace_id, agent.id))
    agent.load = entry.load
    if claimed is None:
        return None
    _took(session, agent, workspace_id, claimed, now, (conv, priority))
    return [claimed.conv.id]


def locked_state(session: Session, workspace_id: int, agent_id: int, now: datetime,
                 team_id: int | None = None, read_load: bool = True) -> pick.AgentState | None:
    """Lock the agent and read them afresh; a private AgentState the caller may change.

    With `read_load=False` its load is unknown (0) until snapshot.note_load.
    """
    entry = snapshot.lock_agent(session, workspace_id, agent_id, team_id=team_id,
                                read_load=read_load)
    if entry is None:
        return None
    zone = snapshot.snapshot_for(session, workspace_id).zone
    return replace(entry.state(now.astimezone(zone)))


def do_fill_capacity(*, session: Session, workspace_id: int, agent_id: int,
                     now: datetime | None = None, limit: int = 50) -> list[int]:
    """Give the agent waiting work until full (call after they free capacity).

    Reads the agent's load under a lock, so it is right even when this process's copy is
    stale; safe to call after a resolve or handback, in the same transaction or a later
    one. Returns the ids of the conversations assigned.
    """
    now = now or utcnow()
    session.flush()
    agent = locked_state(session, workspace_id, agent_id, now)
    if agent is None or not agent.available:
        return []
    return fill(session, agent, workspace_id, now, limit)


def do_dispatch(*, session: Session, conversation: Conversation, now: datetime | None = None,
                exclude: frozenset[int] = frozenset()) -> int | None:
    """Find the least-loaded skilled agent with room and give them the head of their line.

    The choice is made on this process's copy of agents' state (routing.snapshot); the
    chosen agent is then locked and re-read, and if the copy was wrong about them, the
    choice is made again on the corrected copy.
    """
    now = now or utcnow()
    session.flush()
    return dispatch_waiting(session, conversation.workspace_id,
                            waiting_of(session=session, conversation=conversation),
                            conversation.priority, now, exclude=exclude)


def dispatch_waiting(session: Session, workspace_id: int, conv: pick.Waiting, priority: str,
                     now: datetime, *, exclude: frozenset[int] = frozenset(),
                     taken: set[int] | None = None) -> int | None:
    """do_dispatch on a waiting conversation; adds what was assigned to `taken`."""
    skip = set(exclude)
    # On PostgreSQL every statement is a round trip: the claim counts the load itself.
    counting = session.connection().dialect.name == "postgresql"
    agents, snap = snapshot.agents_view(session, workspace_id, now)
    fresh = False
    for _ in range(8):
        choice = pick.choose_agent(conv, agents, exclude=skip)
        if choice is None:
            if fresh or snapshot.age(snap) <= snapshot.WAIT_MAX_AGE_S:
                break
            # Never make a customer wait on old information: read everyone again.
            agents, snap = snapshot.agents_view(session, workspace_id, now, max_age=0.0)
            fresh = True
            continue
        agent = locked_state(session, workspace_id, choice.id, now, team_id=conv.team_id,
                             read_load=not counting)
        if agent is None:
            skip.add(choice.id)  # offline, left the team, or being assigned elsewhere now
            continue
        if counting:
            if pick.skilled(agent, conv):
                got = _claim_counting(session, agent, workspace_id, conv, priority, now)
                if got is not None:
                    if taken is not None:
                        taken.update(got)
                    return agent.id if conv.id in got else None
            else:
                snapshot.note_load(session, agent.id,
                                   snapshot.read_held(session, workspace_id, agent.id))
        if pick.skilled(agent, conv) and pick.has_room(agent, conv):
            # One decision: the chosen agent takes the head of their line, which is this
            # conversation unless older or more urgent ones are ahead of it.
            got = fill(session, agent, workspace_id, now, limit=1,
                       dispatching=(conv, priority))
            if taken is not None:
                taken.update(got)
            if conv.id in got:
                return agent.id
            if got:  # fill stored this conversation's wait decision with the assignment
                return None
            insert_decision(session, workspace_id=workspace_id, conversation_id=conv.id,
                            kind="wait", team_id=conv.team_id, priority=priority, at=now,
                            reasons=["older or more urgent conversations are ahead in the "
                                      "queue"])
            return None
        # The copy was wrong about this agent; lock_agent corrected it: choose again.
        agents, snap = snapshot.agents_view(session, workspace_id, now)
    insert_decision(session, workspace_id=workspace_id, conversation_id=conv.id, kind="wait",
                    team_id=conv.team_id, priority=priority, at=now,
                    reasons=["no available agent with the skill, language and room; "
                              "waiting in the queue"])
    return None


def do_rebalance(*, session: Session, workspace_id: int, now: datetime | None = None
                 ) -> int:
    """Hand waiting conversations to every online agent with room, least loaded first.

    Call after capacity frees up (a conversation resolved) or from a periodic worker tick.
    """
    now = now or utcnow()
    session.flush()
    agents = load_agents(session=session, workspace_id=workspace_id, now=now,
                         zone=calendar_zone(session=session, workspace_id=workspace_id))
    taken = 0
    for agent in sorted(agents, key=lambda a: (a.load / a.capacity, a.last_assigned, a.id)):
        if agent.available and agent.load < agent.capacity:
            taken += len(do_fill_capacity(session=session, workspace_id=workspace_id,
                                          agent_id=agent.id, now=now))
    return taken
