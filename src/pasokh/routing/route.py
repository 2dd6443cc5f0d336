"""The route decision: match rules, set team and priority, start the SLA clock, dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pasokh.db import utcnow
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.jobs.service import do_enqueue_many
from pasokh.routing import assignment as pick
from pasokh.routing import sla
from pasokh.routing.cache import RoutingConfig, routing_config
from pasokh.routing.decisions import insert_decision
from pasokh.routing.dispatch import dispatch_waiting
from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS, ConversationRouting
from pasokh.routing.rules import Facts, match_rules
from pasokh.routing.tables import CHANNELS, CONTACTS, CONVERSATIONS, MESSAGES, ROUTING, C, R
from pasokh.tickets.service import do_ticket_for
from pasokh.types import PRIORITIES, PRIORITY_RANK


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


# What routing reads of the conversations it routes, channel kind and VIP flag included.
_TARGETS = (
    select(C.id, C.workspace_id, C.channel_id, CHANNELS.c.kind.label("channel"),
           CONTACTS.c.is_vip, C.is_public, C.category, C.priority, C.priority_rank,
           C.sentiment, C.language, C.team_id, C.assignee_id, C.first_message_at,
           C.first_response_at, C.waiting_since, C.created_at, R.tags,
           R.conversation_id.label("routed"))
    .select_from(CONVERSATIONS)
    .outerjoin(CHANNELS, CHANNELS.c.id == C.channel_id)
    .outerjoin(CONTACTS, CONTACTS.c.id == C.contact_id)
    .outerjoin(ROUTING, R.conversation_id == C.id)
    .where(C.id.in_(bindparam("ids", expanding=True)))
)
_TEXTS = select(MESSAGES.c.id, MESSAGES.c.text) \
    .where(MESSAGES.c.id.in_(bindparam("ids", expanding=True)))


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
        base = insert(ROUTING)
        keep = ("rule_id", "handling", "reasons", "tags", "weight", "updated_at",
                *(f"{t}_due" for t in targets))
        statement = _UPSERTS[key] = base.on_conflict_do_update(
            index_elements=["conversation_id"],
            set_={name: base.excluded[name] for name in keep})
    return statement


_UPSERTS: dict[Any, Any] = {}
_SET_ROUTE = (update(CONVERSATIONS).where(C.id == bindparam("_id"))
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
    insert_decision(session, workspace_id=target.workspace_id, conversation_id=target.id,
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
        assignee = dispatch_waiting(session, target.workspace_id, waiting, priority, now,
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
