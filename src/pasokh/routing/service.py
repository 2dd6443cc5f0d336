"""Route conversations and assign them to agents; every decision is stored with its reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.db import utcnow
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.routing import assignment as pick
from pasokh.routing.config import calendar_zone
from pasokh.routing.models import (
    DEFAULT_CHANNEL_WEIGHTS,
    AgentProfile,
    ConversationRouting,
    RoutingDecision,
    RoutingRule,
    TeamSkill,
)
from pasokh.routing.rules import Facts, Rule, match_rules
from pasokh.routing.sla import do_start_clock
from pasokh.tickets.service import do_ticket_for
from pasokh.types import PRIORITIES, PRIORITY_RANK
from pasokh.users.models import Team, TeamMember
from pasokh.workspaces.models import Workspace


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


def _rules(session: Session, workspace_id: int) -> list[Rule]:
    rows = session.scalars(
        select(RoutingRule).where(RoutingRule.workspace_id == workspace_id,
                                  RoutingRule.is_active.is_(True))
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    return [Rule(id=r.id, name=r.name, conditions=dict(r.conditions), team_id=r.team_id,
                 priority_override=r.priority_override, tags=tuple(r.tags),
                 handling=r.handling, is_default=r.is_default) for r in rows]


def _team_by_skill(session: Session, facts: Facts, workspace_id: int) -> TeamSkill | None:
    """The first team whose skills cover the conversation (no rule named a team)."""
    for team in session.scalars(select(TeamSkill).where(TeamSkill.workspace_id == workspace_id)
                                .order_by(TeamSkill.team_id)):
        if ((not team.categories or facts.category in team.categories)
                and (not team.languages or facts.language in team.languages)
                and (not team.channel_kinds or facts.channel in team.channel_kinds)):
            return team
    return None


def facts_of(*, session: Session, conversation: Conversation, text: str = "") -> Facts:
    """What the rules look at: the conversation's triage, channel, contact and text."""
    kind = session.scalar(select(Channel.kind).where(Channel.id == conversation.channel_id))
    vip = session.scalar(select(Contact.is_vip).where(Contact.id == conversation.contact_id))
    return Facts(category=conversation.category, priority=conversation.priority,
                 sentiment=conversation.sentiment, language=conversation.language,
                 channel=kind or "api", is_public=conversation.is_public, is_vip=bool(vip),
                 text=text)


def _routing_row(session: Session, conversation: Conversation) -> ConversationRouting:
    row = session.get(ConversationRouting, conversation.id)
    if row is None:
        row = ConversationRouting(conversation_id=conversation.id,
                                  workspace_id=conversation.workspace_id, tags=[], reasons=[],
                                  breached=[])
        session.add(row)
    return row


def _workspace_handling(session: Session, workspace_id: int, handling: str) -> str:
    """Apply the workspace's policy for technical problems: ticket or private invitation."""
    if handling != "ticket":
        return handling
    settings = session.scalar(select(Workspace.settings).where(Workspace.id == workspace_id))
    policy = ((settings or {}).get("routing") or {}).get("technical_handling")
    return "invite_private" if policy == "invite_private" else handling


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
    facts = facts_of(session=session, conversation=conversation, text=text)
    match = match_rules(_rules(session, conversation.workspace_id), facts)
    rule, reasons = match.rule, list(match.reasons)
    if rule.priority_override in PRIORITIES and rule.priority_override != conversation.priority:
        reasons.append(f"priority set to {rule.priority_override} by the rule")
        conversation.priority = rule.priority_override
        conversation.priority_rank = PRIORITY_RANK[rule.priority_override]
    if rule.team_id is not None:
        conversation.team_id = rule.team_id
    elif conversation.team_id is None:
        team = _team_by_skill(session, facts, conversation.workspace_id)
        if team is not None:
            conversation.team_id = team.team_id
            reasons.append("team chosen by its skills")
    handling = _workspace_handling(session, conversation.workspace_id, rule.handling)
    row = _routing_row(session, conversation)
    row.rule_id, row.handling, row.reasons = rule.id, handling, reasons
    row.tags = sorted(set(row.tags or []) | set(rule.tags))
    row.weight = DEFAULT_CHANNEL_WEIGHTS.get(facts.channel, 1)
    do_record(session=session, conversation=conversation, kind="route", reasons=reasons,
              rule_id=rule.id, handling=handling, at=now)
    session.flush()
    do_start_clock(session=session, conversation=conversation, routing=row, now=now)
    if handling == "ticket":
        do_ticket_for(session=session, conversation=conversation, actor=None)
    if handling in ("agent", "ticket", "invite_private") and conversation.assignee_id is None:
        do_dispatch(session=session, conversation=conversation, now=now)
    return row


@dataclass(frozen=True)
class _Static:
    capacity: int
    skills: frozenset[str]
    languages: frozenset[str]
    weights: dict[str, int]
    hours: list[Any]


# Process-local copies of agents' rarely changing settings, keyed by (user, config_token):
# a new token (see models._rotate_config_token) is a new key, so a copy is never stale.
_STATIC: dict[tuple[int, str], _Static] = {}
_STATIC_MAX = 50_000


def _static_profiles(session: Session, keys: list[tuple[int, str]]) -> dict[int, _Static]:
    missing = [user_id for user_id, token in keys if (user_id, token) not in _STATIC]
    if missing:
        if len(_STATIC) > _STATIC_MAX:
            _STATIC.clear()
        p = AgentProfile
        for row in session.execute(select(p.user_id, p.config_token, p.capacity, p.skills,
                                          p.languages, p.channel_weights, p.working_hours)
                                   .where(p.user_id.in_(missing))):
            _STATIC[(row.user_id, row.config_token)] = _Static(
                capacity=max(row.capacity, 1), skills=frozenset(row.skills),
                languages=frozenset(row.languages), weights=dict(row.channel_weights),
                hours=list(row.working_hours))
    return {user_id: _STATIC[(user_id, token)] for user_id, token in keys
            if (user_id, token) in _STATIC}


def load_agents(*, session: Session, workspace_id: int, now: datetime,
                zone: ZoneInfo | None = None, user_ids: Sequence[int] | None = None
                ) -> list[pick.AgentState]:
    """Online agents of a workspace with their current load, ready for the choice functions."""
    p = AgentProfile
    query = select(p.user_id, p.config_token, p.last_assigned_at) \
        .where(p.workspace_id == workspace_id, p.presence == "online")
    teams_q = select(TeamMember.user_id, TeamMember.team_id) \
        .join(Team, Team.id == TeamMember.team_id).where(Team.workspace_id == workspace_id)
    # Load is counted per channel kind so each agent's own weights apply.
    loads_q = (select(Conversation.assignee_id, Channel.kind, func.count())
               .join(Channel, Channel.id == Conversation.channel_id)
               .where(Conversation.workspace_id == workspace_id,
                      Conversation.assignee_id.is_not(None),
                      Conversation.status != "resolved")
               .group_by(Conversation.assignee_id, Channel.kind))
    if user_ids is not None:
        query = query.where(p.user_id.in_(user_ids))
        teams_q = teams_q.where(TeamMember.user_id.in_(user_ids))
        loads_q = loads_q.where(Conversation.assignee_id.in_(user_ids))
    online = session.execute(query).all()
    if not online:
        return []
    static = _static_profiles(session, [(r.user_id, r.config_token) for r in online])
    teams: dict[int, set[int]] = {}
    for user_id, team_id in session.execute(teams_q):
        teams.setdefault(user_id, set()).add(team_id)
    held: dict[int, list[tuple[str, int]]] = {}
    for assignee_id, kind, count in session.execute(loads_q):
        if assignee_id is not None:
            held.setdefault(assignee_id, []).append((kind, count))
    local = now.astimezone(zone or ZoneInfo("Asia/Tehran"))
    agents = []
    for r in online:
        fixed = static[r.user_id]
        agent = pick.AgentState(
            id=r.user_id, capacity=fixed.capacity, skills=fixed.skills,
            languages=fixed.languages, team_ids=frozenset(teams.get(r.user_id, ())),
            weights=fixed.weights, available=pick.within_hours(fixed.hours, local),
            last_assigned=r.last_assigned_at.timestamp() if r.last_assigned_at else 0.0)
        agent.load = sum(pick.weight_of(agent, kind) * count
                         for kind, count in held.get(r.user_id, ()))
        agents.append(agent)
    return agents


def waiting_of(*, session: Session, conversation: Conversation) -> pick.Waiting:
    """The conversation as the choice functions see it."""
    kind = session.scalar(select(Channel.kind).where(Channel.id == conversation.channel_id))
    return pick.Waiting(id=conversation.id, priority_rank=conversation.priority_rank,
                        waiting_since=conversation.waiting_since or conversation.created_at,
                        channel_kind=kind or "api", category=conversation.category,
                        language=conversation.language, team_id=conversation.team_id)


def _queue_head(session: Session, agent: pick.AgentState, workspace_id: int
                ) -> Conversation | None:
    """The most urgent, longest-waiting unassigned conversation this agent is skilled for."""
    query = (
        select(Conversation)
        .join(ConversationRouting, ConversationRouting.conversation_id == Conversation.id)
        .where(Conversation.workspace_id == workspace_id, Conversation.status == "open",
               Conversation.assignee_id.is_(None), Conversation.waiting_since.is_not(None),
               ConversationRouting.handling.in_(("agent", "ticket", "invite_private")))
        .order_by(Conversation.priority_rank, Conversation.waiting_since, Conversation.id)
        .limit(1)
    )
    if agent.team_ids:
        query = query.where(or_(Conversation.team_id.is_(None),
                                Conversation.team_id.in_(agent.team_ids)))
    else:
        query = query.where(Conversation.team_id.is_(None))
    if agent.skills:
        query = query.where(or_(Conversation.category.is_(None),
                                Conversation.category.in_(agent.skills)))
    if agent.languages:
        query = query.where(or_(Conversation.language.is_(None),
                                Conversation.language.in_(agent.languages)))
    return session.scalars(query).first()


def do_assign(*, session: Session, conversation: Conversation, agent_id: int | None,
              kind: str, reasons: list[str], actor_user_id: int | None = None,
              now: datetime | None = None) -> RoutingDecision:
    """Give the conversation to `agent_id` (None hands it back to the queue) and record why."""
    now = now or utcnow()
    conversation.assignee_id = agent_id
    if agent_id is not None:
        profile = session.get(AgentProfile, agent_id)
        if profile is not None:
            profile.last_assigned_at = now
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action=f"conversation.{kind}", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor_user_id,
             details={"agent_id": agent_id, "reasons": reasons})
    return do_record(session=session, conversation=conversation, kind=kind, reasons=reasons,
                     agent_id=agent_id, actor_user_id=actor_user_id, at=now)


def do_fill_agent(*, session: Session, agent: pick.AgentState, workspace_id: int,
                  now: datetime | None = None, limit: int = 50) -> list[Conversation]:
    """Give a free agent the queue's head while it fits; stop at the first that does not."""
    taken: list[Conversation] = []
    for _ in range(limit):
        head = _queue_head(session, agent, workspace_id)
        if head is None:
            break
        conv = waiting_of(session=session, conversation=head)
        if not pick.has_room(agent, conv):
            break  # reserved for the head of the line: no lower conversation jumps it
        do_assign(session=session, conversation=head, agent_id=agent.id, kind="assign",
                  reasons=["next in line: most urgent, longest waiting",
                           *pick.why_chosen(agent, conv)], now=now)
        agent.load += pick.weight_of(agent, conv.channel_kind)
        session.flush()
        taken.append(head)
    return taken


def do_dispatch(*, session: Session, conversation: Conversation, now: datetime | None = None,
                exclude: frozenset[int] = frozenset()) -> int | None:
    """Find the least-loaded skilled agent with room and give them the head of their line."""
    now = now or utcnow()
    agents = load_agents(session=session, workspace_id=conversation.workspace_id, now=now,
                         zone=calendar_zone(session=session,
                                            workspace_id=conversation.workspace_id))
    conv = waiting_of(session=session, conversation=conversation)
    agent = pick.choose_agent(conv, agents, exclude=exclude)
    if agent is None:
        do_record(session=session, conversation=conversation, kind="wait", at=now,
                  reasons=["no available agent with the skill, language and room; "
                           "waiting in the queue"])
        return None
    # One decision: the chosen agent takes the head of their line, which is this
    # conversation unless older or more urgent ones are ahead of it.
    do_fill_agent(session=session, agent=agent, workspace_id=conversation.workspace_id,
                  now=now, limit=1)
    if conversation.assignee_id is None:
        do_record(session=session, conversation=conversation, kind="wait", at=now,
                  reasons=["older or more urgent conversations are ahead in the queue"])
    return conversation.assignee_id


def do_set_presence(*, session: Session, profile: AgentProfile, presence: str,
                    now: datetime | None = None) -> list[int]:
    """Change presence; leaving 'online' hands unanswered conversations back to the queue.

    Returns the ids of the conversations handed back (each then re-dispatched).
    """
    now = now or utcnow()
    was, profile.presence, profile.presence_changed_at = profile.presence, presence, now
    session.flush()
    if presence == "online":
        agents = load_agents(session=session, workspace_id=profile.workspace_id, now=now,
                             zone=calendar_zone(session=session,
                                                workspace_id=profile.workspace_id),
                             user_ids=[profile.user_id])
        if agents:
            do_fill_agent(session=session, agent=agents[0], workspace_id=profile.workspace_id,
                          now=now)
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
    agents = load_agents(session=session, workspace_id=workspace_id, now=now,
                         zone=calendar_zone(session=session, workspace_id=workspace_id))
    taken = 0
    for agent in sorted(agents, key=lambda a: (a.load / a.capacity, a.last_assigned, a.id)):
        if agent.available:
            taken += len(do_fill_agent(session=session, agent=agent,
                                       workspace_id=workspace_id, now=now))
    return taken
