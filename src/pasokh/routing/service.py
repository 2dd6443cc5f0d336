"""Route conversations and assign them to agents; every decision is stored with its reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, Update, bindparam, case, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pasokh.audit.models import AuditEvent
from pasokh.audit.service import do_audit
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.db import utcnow
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.jobs.service import do_enqueue_many
from pasokh.routing import assignment as pick
from pasokh.routing import sla, snapshot
from pasokh.routing.cache import RoutingConfig, routing_config
from pasokh.routing.config import calendar_zone
from pasokh.routing.models import (
    DEFAULT_CHANNEL_WEIGHTS,
    AgentProfile,
    ConversationRouting,
    RoutingDecision,
)
from pasokh.routing.rules import Facts, match_rules
from pasokh.tickets.service import do_ticket_for
from pasokh.types import CHANNEL_KINDS, PRIORITIES, PRIORITY_RANK


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


@dataclass
class Target:
    """A conversation as a route decision reads it: one row, no ORM object."""

    id: int
    workspace_id: int
    channel_id: int
    channel: str
    is_vip: bool
    is_public: bool
    category: str | None
    priority: str
    priority_rank: int
    sentiment: str | None
    language: str | None
    team_id: int | None
    assignee_id: int | None
    first_message_at: datetime
    first_response_at: datetime | None
    waiting_since: datetime | None
    created_at: datetime
    tags: list[str] | None  # of its routing row; None when it was never routed
    text: str = ""

    def facts(self) -> Facts:
        return Facts(category=self.category, priority=self.priority,
                     sentiment=self.sentiment, language=self.language, channel=self.channel,
                     is_public=self.is_public, is_vip=self.is_vip, text=self.text)


_CONVERSATIONS = cast(Table, Conversation.__table__)
_ROUTING = cast(Table, ConversationRouting.__table__)
_CHANNELS = cast(Table, Channel.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_MESSAGES = cast(Table, Message.__table__)
_PROFILES = cast(Table, AgentProfile.__table__)
_DECISIONS = cast(Table, RoutingDecision.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)
_C, _R = _CONVERSATIONS.c, _ROUTING.c
# What routing reads of the conversations it routes, channel kind and VIP flag included.
_TARGETS = (
    select(_C.id, _C.workspace_id, _C.channel_id, _CHANNELS.c.kind.label("channel"),
           _CONTACTS.c.is_vip, _C.is_public, _C.category, _C.priority, _C.priority_rank,
           _C.sentiment, _C.language, _C.team_id, _C.assignee_id, _C.first_message_at,
           _C.first_response_at, _C.waiting_since, _C.created_at, _R.tags,
           _R.conversation_id.label("routed"))
    .select_from(_CONVERSATIONS)
    .outerjoin(_CHANNELS, _CHANNELS.c.id == _C.channel_id)
    .outerjoin(_CONTACTS, _CONTACTS.c.id == _C.contact_id)
    .outerjoin(_ROUTING, _R.conversation_id == _C.id)
    .where(_C.id.in_(bindparam("ids", expanding=True)))
)
_TEXTS = select(_MESSAGES.c.id, _MESSAGES.c.text) \
    .where(_MESSAGES.c.id.in_(bindparam("ids", expanding=True)))


def facts_of(*, session: Session, conversation: Conversation, text: str = "") -> Facts:
    """What the rules look at: the conversation's triage, channel, contact and text."""
    session.flush()
    [target] = load_targets(session, {conversation.id: text}).values()
    return target.facts()


def load_targets(session: Session, texts: Mapping[int, str]) -> dict[int, Target]:
    """The conversations (id -> the text their rules read) as routing reads them."""
    if not texts:
        return {}
    rows = session.connection().execute(_TARGETS, {"ids": list(texts)})
    return {r.id: Target(
        id=r.id, workspace_id=r.workspace_id, channel_id=r.channel_id,
        channel=r.channel or "api", is_vip=bool(r.is_vip), is_public=r.is_public,
        category=r.category, priority=r.priority, priority_rank=r.priority_rank,
        sentiment=r.sentiment, language=r.language, team_id=r.team_id,
        assignee_id=r.assignee_id, first_message_at=r.first_message_at,
        first_response_at=r.first_response_at, waiting_since=r.waiting_since,
        created_at=r.created_at, tags=list(r.tags or []) if r.routed is not None else None,
        text=texts[r.id]) for r in rows}


def message_texts(session: Session, message_ids: Sequence[int]) -> dict[int, str]:
    """The texts of these messages (missing ones are left out)."""
    if not message_ids:
        return {}
    rows = session.connection().execute(_TEXTS, {"ids": sorted(set(message_ids))})
    return {r.id: r.text or "" for r in rows}


@dataclass
class Routed:
    """What one route decision changed, for the caller to announce or sync."""

    conversation_id: int
    workspace_id: int
    priority: str
    priority_rank: int
    team_id: int | None
    handling: str
    assignee_id: int | None


def _routing_upsert(dialect: str, targets: tuple[str, ...]) -> Any:
    """INSERT the routing row, or UPDATE it keeping the deadlines not restarted now."""
    key = (dialect, targets)
    statement = _UPSERTS.get(key)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        base = insert(_ROUTING)
        keep = ("rule_id", "handling", "reasons", "tags", "weight", "updated_at",
                *(f"{t}_due" for t in targets))
        statement = _UPSERTS[key] = base.on_conflict_do_update(
            index_elements=["conversation_id"],
            set_={name: base.excluded[name] for name in keep})
    return statement


_UPSERTS: dict[Any, Any] = {}
_SET_ROUTE = (update(_CONVERSATIONS).where(_C.id == bindparam("_id"))
              .values(priority=bindparam("_priority"), priority_rank=bindparam("_rank"),
                      team_id=bindparam("_team"), updated_at=bindparam("_at")))


def _sync(session: Session, model: type[Any], key: int, values: Mapping[str, Any]) -> None:
    """Keep an object the session already holds in step with a Core write."""
    loaded = session.identity_map.get(identity_key(model, key))
    if loaded is not None:
        for name, value in values.items():
            set_committed_value(loaded, name, value)


def route_one(*, session: Session, target: Target, config: RoutingConfig, now: datetime,
              jobs: list[dict[str, Any]], taken: set[int]) -> Routed:
    """Route one conversation: match rules, set team and priority, start its SLA clock
    (its jobs are added to `jobs` for the caller to queue), and dispatch it unless it was
    `taken` already; conversations assigned meanwhile are added to `taken`."""
    facts = target.facts()
    match = match_rules(config.rules, facts)
    rule, reasons = match.rule, list(match.reasons)
    priority, rank, team_id = target.priority, target.priority_rank, target.team_id
    if rule.priority_override in PRIORITIES and rule.priority_override != priority:
        reasons.append(f"priority set to {rule.priority_override} by the rule")
        priority, rank = rule.priority_override, PRIORITY_RANK[rule.priority_override]
    if rule.team_id is not None:
        team_id = rule.team_id
    elif team_id is None:
        team_id = config.team_for(facts)
        if team_id is not None:
            reasons.append("team chosen by its skills")
    handling = config.handling(rule.handling)
    conn = session.connection()
    stamp = utcnow()
    if (priority, rank, team_id) != (target.priority, target.priority_rank, target.team_id):
        conn.execute(_SET_ROUTE, {"_id": target.id, "_priority": priority, "_rank": rank,
                                  "_team": team_id, "_at": stamp})
        _sync(session, Conversation, target.id, {"priority": priority, "priority_rank": rank,
                                                 "team_id": team_id, "updated_at": stamp})
    clock = sla.clock_for(config.calendar, config.policy(priority),
                          first_message_at=target.first_message_at,
                          first_response_at=target.first_response_at,
                          waiting_since=target.waiting_since)
    row: dict[str, Any] = {
        "conversation_id": target.id, "workspace_id": target.workspace_id,
        "rule_id": rule.id, "handling": handling, "reasons": reasons,
        "tags": sorted(set(target.tags or []) | set(rule.tags)),
        "weight": DEFAULT_CHANNEL_WEIGHTS.get(facts.channel, 1), "breached": [],
        "first_response_due": None, "next_response_due": None, "resolution_due": None,
        "updated_at": stamp}
    row.update({f"{name}_due": due for name, _warn, due in clock})
    conn.execute(_routing_upsert(conn.dialect.name, tuple(name for name, *_ in clock)), row)
    _sync(session, ConversationRouting, target.id,
          {k: row[k] for k in ("rule_id", "handling", "reasons", "tags", "weight",
                               "updated_at", *(f"{name}_due" for name, *_ in clock))})
    _insert_decision(session, workspace_id=target.workspace_id, conversation_id=target.id,
                     kind="route", reasons=reasons, rule_id=rule.id, team_id=team_id,
                     handling=handling, priority=priority, at=now)
    jobs.extend(sla.clock_jobs(workspace_id=target.workspace_id, conversation_id=target.id,
                               clock=clock))
    if handling == "ticket":
        conversation = session.get_one(Conversation, target.id)
        do_ticket_for(session=session, conversation=conversation, actor=None)
    assignee = target.assignee_id
    if handling in ("agent", "ticket", "invite_private") and assignee is None \
            and target.id not in taken:
        waiting = pick.Waiting(id=target.id, priority_rank=rank,
                               waiting_since=target.waiting_since or target.created_at,
                               channel_kind=target.channel, category=target.category,
                               language=target.language, team_id=team_id)
        assignee = _dispatch(session, target.workspace_id, waiting, priority, now,
                             taken=taken)
    return Routed(conversation_id=target.id, workspace_id=target.workspace_id,
                  priority=priority, priority_rank=rank, team_id=team_id, handling=handling,
                  assignee_id=assignee)


def do_route_many(*, session: Session, routes: Sequence[tuple[int, str]], now: datetime
                  ) -> list[Routed]:
    """Route conversations given as (id, text) in order; one conversation named several
    times is routed once, its rules reading all its texts (messages that arrived together).

    Reads every conversation in one statement and the configuration from the cache,
    queues all SLA jobs in one executemany. Missing conversations are skipped.
    """
    texts: dict[int, list[str]] = {}
    for conversation_id, text in routes:
        texts.setdefault(conversation_id, []).append(text)
    session.flush()
    targets = load_targets(session, {c: "\n".join(t) for c, t in texts.items()})
    jobs: list[dict[str, Any]] = []
    taken: set[int] = set()
    routed = []
    for conversation_id in texts:
        target = targets.get(conversation_id)
        if target is None:
            continue
        config = routing_config(session, target.workspace_id)
        routed.append(route_one(session=session, target=target, config=config, now=now,
                                jobs=jobs, taken=taken))
    do_enqueue_many(session=session, jobs=jobs)
    return routed


def do_route(*, session: Session, conversation: Conversation,
             decision: TriageDecision | None, now: datetime | None = None,
             text: str | None = None) -> ConversationRouting:
    """Route after ingest: match rules, set team and priority, start the SLA clock, assign."""
    now = now or utcnow()
    if text is None:
        text = ""
    if decision is not None and not text:
        text = session.scalar(select(Message.text).where(Message.id == decision.message_id)) \
            or ""
    do_route_many(session=session, routes=[(conversation.id, text)], now=now)
    return session.get_one(ConversationRouting, conversation.id)


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


# The hot path speaks Core to the tables: no ORM loads, no unit of work.
_HEAD_BASE: Select[Any] = (
    select(_C.id, _C.priority, _C.priority_rank, _C.waiting_since, _C.category, _C.language,
           _C.team_id, _C.channel_id)
    .join_from(_CONVERSATIONS, _ROUTING, _R.conversation_id == _C.id)
    .where(_C.workspace_id == bindparam("ws"), _C.status == "open",
           _C.assignee_id.is_(None), _C.waiting_since.is_not(None),
           _R.handling.in_(("agent", "ticket", "invite_private")))
    .order_by(_C.priority_rank, _C.waiting_since, _C.id)
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
        query = query.where(or_(_C.team_id.is_(None),
                                _C.team_id.in_(bindparam("teams", expanding=True))))
    else:
        query = query.where(_C.team_id.is_(None))
    if skills:
        query = query.where(or_(_C.category.is_(None),
                                _C.category.in_(bindparam("skills", expanding=True))))
    if languages:
        query = query.where(or_(_C.language.is_(None),
                                _C.language.in_(bindparam("langs", expanding=True))))
    _HEADS[key] = query
    return query


def _queue_head(session: Session, agent: pick.AgentState, workspace_id: int
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


_STAMP = (update(_PROFILES)
          .where(_PROFILES.c.user_id == bindparam("agent"))
          .values(last_assigned_at=bindparam("now")))
_KINDS = sorted(set(CHANNEL_KINDS) | set(DEFAULT_CHANNEL_WEIGHTS))
# Units the conversation's channel costs this agent (their weights travel as parameters).
_WEIGHT = case({kind: bindparam(f"w_{kind}") for kind in _KINDS},
               value=select(_CHANNELS.c.kind).where(_CHANNELS.c.id == _C.channel_id)
               .scalar_subquery(), else_=1)
_CLAIMS: dict[tuple[bool, bool, bool], Update] = {}


def _claim_query(teams: bool, skills: bool, languages: bool) -> Update:
    """Take the head of the agent's line in one statement, only if it fits their room."""
    key = (teams, skills, languages)
    cached = _CLAIMS.get(key)
    if cached is None:
        head = _head_query(*key).with_only_columns(_C.id).scalar_subquery()
        cached = _CLAIMS[key] = (
            update(_CONVERSATIONS)
            .where(_C.id == head, _C.assignee_id.is_(None), _C.status == "open",
                   bindparam("room") >= _WEIGHT)
            .values(assignee_id=bindparam("agent"), updated_at=bindparam("now"))
            .returning(_C.id, _C.priority, _C.priority_rank, _C.waiting_since, _C.category,
                       _C.language, _C.team_id, _C.channel_id))
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


def _claim_head(session: Session, agent: pick.AgentState, workspace_id: int, now: datetime
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


def _record_assignment(session: Session, *, workspace_id: int, conv: pick.Waiting,
                       priority: str, agent_id: int, reasons: list[str], now: datetime
                       ) -> None:
    """Store the assign decision and its audit event with one INSERT each."""
    conn = session.connection()
    conn.execute(insert(_DECISIONS), {
        "workspace_id": workspace_id, "conversation_id": conv.id, "kind": "assign",
        "rule_id": None, "team_id": conv.team_id, "agent_id": agent_id,
        "actor_user_id": None, "handling": None, "priority": priority, "reasons": reasons,
        "created_at": now})
    # What audit.service.do_audit writes, as a Core INSERT: an ORM object here would cost
    # a unit-of-work flush per decision.
    conn.execute(insert(_AUDIT), {
        "workspace_id": workspace_id, "actor_user_id": None, "actor_token_id": None,
        "action": "conversation.assign", "target_type": "conversation",
        "target_id": str(conv.id), "details": {"agent_id": agent_id, "reasons": reasons},
        "created_at": now})


def do_assign(*, session: Session, conversation: Conversation, agent_id: int | None,
              kind: str, reasons: list[str], actor_user_id: int | None = None,
              now: datetime | None = None) -> RoutingDecision:
    """Give the conversation to `agent_id` (None hands it back to the queue) and record why."""
    now = now or utcnow()
    conversation.assignee_id = agent_id
    if agent_id is not None:
        session.execute(_STAMP, {"agent": agent_id, "now": now})
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action=f"conversation.{kind}", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor_user_id,
             details={"agent_id": agent_id, "reasons": reasons})
    return do_record(session=session, conversation=conversation, kind=kind, reasons=reasons,
                     agent_id=agent_id, actor_user_id=actor_user_id, at=now)


def _fill(session: Session, agent: pick.AgentState, workspace_id: int, now: datetime,
          limit: int) -> list[int]:
    """Give a locked, freshly read agent the queue's head while it fits; stop when not.

    The agent's row is locked (snapshot.lock_agent) and `agent.load` read after the lock,
    so no other transaction can add to it before commit. When the head does not fit, the
    agent takes nothing lower: it is reserved for the head of the line. Returns the ids
    of the conversations taken.
    """
    taken: list[int] = []
    races = 0
    while len(taken) < limit:
        claimed = _claim_head(session, agent, workspace_id, now)
        if claimed is None:
            head = _queue_head(session, agent, workspace_id)
            if head is None or not pick.has_room(agent, head[0]) or races >= 3:
                break  # no work, or the head does not fit: nothing lower jumps it
            races += 1  # another process took the head a moment ago: look again
            continue
        conv, priority = claimed
        reasons = ["next in line: most urgent, longest waiting", *pick.why_chosen(agent, conv)]
        _record_assignment(session, workspace_id=workspace_id, conv=conv, priority=priority,
                           agent_id=agent.id, reasons=reasons, now=now)
        agent.load += pick.weight_of(agent, conv.channel_kind)
        snapshot.note_assigned(session, agent.id, conv.channel_kind, now)
        taken.append(conv.id)
    if taken:
        session.connection().execute(_STAMP, {"agent": agent.id, "now": now})
        agent.last_assigned = now.timestamp()
    return taken


def _locked_state(session: Session, workspace_id: int, agent_id: int, now: datetime,
                  team_id: int | None = None) -> pick.AgentState | None:
    """Lock the agent and read them afresh; a private AgentState the caller may change."""
    entry = snapshot.lock_agent(session, workspace_id, agent_id, team_id=team_id)
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
    agent = _locked_state(session, workspace_id, agent_id, now)
    if agent is None or not agent.available:
        return []
    return _fill(session, agent, workspace_id, now, limit)


def _insert_decision(session: Session, *, workspace_id: int, conversation_id: int, kind: str,
                     reasons: list[str], team_id: int | None, priority: str,
                     rule_id: int | None = None, handling: str | None = None,
                     at: datetime) -> None:
    """What do_record stores, as one Core INSERT (no ORM object, no flush)."""
    session.connection().execute(insert(_DECISIONS), {
        "workspace_id": workspace_id, "conversation_id": conversation_id, "kind": kind,
        "rule_id": rule_id, "team_id": team_id, "agent_id": None, "actor_user_id": None,
        "handling": handling, "priority": priority, "reasons": reasons, "created_at": at})


def do_dispatch(*, session: Session, conversation: Conversation, now: datetime | None = None,
                exclude: frozenset[int] = frozenset()) -> int | None:
    """Find the least-loaded skilled agent with room and give them the head of their line.

    The choice is made on this process's copy of agents' state (routing.snapshot); the
    chosen agent is then locked and re-read, and if the copy was wrong about them, the
    choice is made again on the corrected copy.
    """
    now = now or utcnow()
    session.flush()
    return _dispatch(session, conversation.workspace_id,
                     waiting_of(session=session, conversation=conversation),
                     conversation.priority, now, exclude=exclude)


def _dispatch(session: Session, workspace_id: int, conv: pick.Waiting, priority: str,
              now: datetime, *, exclude: frozenset[int] = frozenset(),
              taken: set[int] | None = None) -> int | None:
    """do_dispatch on a waiting conversation; adds what was assigned to `taken`."""
    skip = set(exclude)
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
        agent = _locked_state(session, workspace_id, choice.id, now, team_id=conv.team_id)
        if agent is None:
            skip.add(choice.id)  # offline, left the team, or being assigned elsewhere now
        elif pick.skilled(agent, conv) and pick.has_room(agent, conv):
            # One decision: the chosen agent takes the head of their line, which is this
            # conversation unless older or more urgent ones are ahead of it.
            got = _fill(session, agent, workspace_id, now, limit=1)
            if taken is not None:
                taken.update(got)
            if conv.id in got:
                return agent.id
            _insert_decision(session, workspace_id=workspace_id, conversation_id=conv.id,
                             kind="wait", team_id=conv.team_id, priority=priority, at=now,
                             reasons=["older or more urgent conversations are ahead in the "
                                      "queue"])
            return None
        # The copy was wrong about this agent; lock_agent corrected it: choose again.
        agents, snap = snapshot.agents_view(session, workspace_id, now)
    _insert_decision(session, workspace_id=workspace_id, conversation_id=conv.id, kind="wait",
                     team_id=conv.team_id, priority=priority, at=now,
                     reasons=["no available agent with the skill, language and room; "
                              "waiting in the queue"])
    return None


def do_set_presence(*, session: Session, profile: AgentProfile, presence: str,
                    now: datetime | None = None) -> list[int]:
    """Change presence; leaving 'online' hands unanswered conversations back to the queue.

    Returns the ids of the conversations handed back (each then re-dispatched).
    """
    now = now or utcnow()
    was, profile.presence, profile.presence_changed_at = profile.presence, presence, now
    session.flush()
    if presence == "online":
        do_fill_capacity(session=session, workspace_id=profile.workspace_id,
                         agent_id=profile.user_id, now=now)
        return []
    if was != "online":
        return []
    unanswered = list(session.scalars(
        select(Conversation).where(Conversation.workspace_id == profile.workspace_id,
                                   Conversation.assignee_id == profile.user_id,
                                   Conversation.status != "resolved",
                                   Conversation.first_response_at.is_(None))
        .order_by(Conversation.priority_rank, Conversation.waiting_since, Conversation.id)
    ))
    for conversation in unanswered:
        do_assign(session=session, conversation=conversation, agent_id=None, kind="handback",
                  reasons=[f"agent went {presence} before answering"], now=now)
    session.flush()
    for conversation in unanswered:
        if conversation.assignee_id is None:
            do_dispatch(session=session, conversation=conversation, now=now)
    return [c.id for c in unanswered]


def do_override(*, session: Session, conversation: Conversation, agent_id: int | None,
                actor_user_id: int, reason: str, now: datetime | None = None
                ) -> RoutingDecision:
    """A supervisor assigns (or unassigns) by hand; capacity is their call, and recorded."""
    reasons = [f"supervisor override: {reason}" if reason else "supervisor override"]
    if agent_id is not None:
        agents = load_agents(session=session, workspace_id=conversation.workspace_id,
                             now=now or utcnow(), user_ids=[agent_id])
        conv = waiting_of(session=session, conversation=conversation)
        if not agents:
            reasons.append("agent is not online")
        elif not pick.has_room(agents[0], conv):
            reasons.append(f"above capacity ({agents[0].load}/{agents[0].capacity} units)")
    return do_assign(session=session, conversation=conversation, agent_id=agent_id,
                     kind="override", reasons=reasons, actor_user_id=actor_user_id, now=now)


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
