"""Who takes which conversation: pure choice functions shared by the service and simulation.

The queue order is (priority rank, waiting since, id): most urgent, then longest waiting.
An agent is *skilled* for a conversation when available and matching its team, category
and language; they *have room* when their load plus the conversation's weight stays within
capacity. Among skilled agents with room, the least loaded (as a share of capacity) wins.
When the head of the line fits no skilled agent, those agents are reserved for it: nobody
skilled for an urgent conversation takes a lower one meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, time

from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS


@dataclass
class AgentState:
    """An agent's routing-relevant state, mutable so a round can add load."""

    id: int
    capacity: int
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    team_ids: frozenset[int] = frozenset()
    weights: Mapping[str, int] = field(default_factory=dict)
    available: bool = True
    load: int = 0
    last_assigned: float = 0.0


@dataclass(frozen=True)
class Waiting:
    """A conversation waiting for an agent."""

    id: int
    priority_rank: int
    waiting_since: datetime
    channel_kind: str
    category: str | None = None
    language: str | None = None
    team_id: int | None = None


def queue_key(conv: Waiting) -> tuple[int, datetime, int]:
    """Sort key: most urgent first, then longest waiting, then oldest id."""
    return (conv.priority_rank, conv.waiting_since, conv.id)


def weight_of(agent: AgentState, channel_kind: str) -> int:
    """Capacity units one conversation on `channel_kind` takes from `agent`."""
    return agent.weights.get(channel_kind, DEFAULT_CHANNEL_WEIGHTS.get(channel_kind, 1))


def skilled(agent: AgentState, conv: Waiting) -> bool:
    """The agent is available and has the team, skill and language the conversation needs."""
    return (agent.available
            and (conv.team_id is None or conv.team_id in agent.team_ids)
            and (not agent.skills or conv.category is None or conv.category in agent.skills)
            and (not agent.languages or conv.language is None
                 or conv.language in agent.languages))


def has_room(agent: AgentState, conv: Waiting) -> bool:
    """Taking the conversation keeps the agent within capacity."""
    return agent.load + weight_of(agent, conv.channel_kind) <= agent.capacity


def choose_agent(conv: Waiting, agents: Iterable[AgentState],
                 exclude: Set[int] = frozenset()) -> AgentState | None:
    """The least-loaded skilled agent with room, or None.

    `skilled` and `has_room` written out inline: this loop runs over every online agent
    in every decision, and the calls were most of its time.
    """
    best: AgentState | None = None
    best_key: tuple[float, int, float, int] | None = None
    kind, team, category, language = (conv.channel_kind, conv.team_id, conv.category,
                                      conv.language)
    default = DEFAULT_CHANNEL_WEIGHTS.get(kind, 1)
    for agent in agents:
        load = agent.load
        if (not agent.available or load + agent.weights.get(kind, default) > agent.capacity
                or (team is not None and team not in agent.team_ids)
                or (category is not None and agent.skills and category not in agent.skills)
                or (language is not None and agent.languages
                    and language not in agent.languages)
                or agent.id in exclude):
            continue
        key = (load / agent.capacity, load, agent.last_assigned, agent.id)
        if best_key is None or key < best_key:
            best, best_key = agent, key
    return best


def why_chosen(agent: AgentState, conv: Waiting) -> list[str]:
    """Human-readable reasons for an assignment."""
    reasons = [f"least loaded available agent ({agent.load}/{agent.capacity} units)"]
    if conv.category and agent.skills:
        reasons.append(f"has the skill '{conv.category}'")
    if conv.language and agent.languages:
        reasons.append(f"speaks '{conv.language}'")
    reasons.append(f"{conv.channel_kind} counts {weight_of(agent, conv.channel_kind)} units")
    return reasons


def assign_round(queue: Iterable[Waiting], agents: Sequence[AgentState], *, at: float = 0.0
                 ) -> list[tuple[Waiting, AgentState]]:
    """Assign waiting conversations in queue order, never above capacity, mutating loads."""
    reserved: set[int] = set()
    # Skill-alike conversations meet the same agents: once one finds nobody, all would.
    blocked: set[tuple[str | None, str | None, int | None]] = set()
    done: list[tuple[Waiting, AgentState]] = []
    for conv in sorted(queue, key=queue_key):
        alike = (conv.category, conv.language, conv.team_id)
        if alike in blocked:
            continue
        agent = choose_agent(conv, agents, exclude=reserved)
        if agent is None:
            blocked.add(alike)
            reserved.update(a.id for a in agents if skilled(a, conv))
            if len(reserved) == len(agents):
                break
            continue
        agent.load += weight_of(agent, conv.channel_kind)
        agent.last_assigned = at
        done.append((conv, agent))
    return done


def within_hours(hours: Sequence[Sequence[object]], local: datetime) -> bool:
    """True when `local` falls in one of [[weekday, "HH:MM", "HH:MM"], ...] (empty = always)."""
    if not hours:
        return True
    now = local.time()
    for weekday, start, end in hours:
        if weekday == local.weekday() and \
                time.fromisoformat(str(start)) <= now < time.fromisoformat(str(end)):
            return True
    return False
