"""A working day: 200 agents, 20,000 conversations, through the same choice functions.

The day is built so its outcome is known in advance:
- 160 Persian-speaking agents and 40 English-speaking ones, capacity in units, chats
  costing more than emails;
- 19,000 conversations spread over Saturday 08:00-17:00 plus a burst of 1,000 at
  10:00-10:10 that queues up (so the order in which they are served matters);
- the English agents take lunch 12:00-13:00, so English conversations that arrive then
  wait until 13:00. Exactly those whose wait exceeds their first-response target breach
  (urgent ones that arrived before 12:45); every other conversation meets its target.
Every minute, assign_round hands waiting conversations out; the test checks, after every
round, that nobody is above capacity and that no conversation was given to an agent who was
skilled for a more urgent (or equally urgent, longer waiting) conversation left waiting.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pasokh.routing.assignment import (
    AgentState,
    Waiting,
    assign_round,
    queue_key,
    skilled,
    weight_of,
)
from pasokh.routing.calendar import add_business_minutes, make_calendar
from pasokh.routing.config import DEFAULT_SLA
from pasokh.routing.sla import attained
from pasokh.types import CATEGORIES, PRIORITIES

TEHRAN = ZoneInfo("Asia/Tehran")
OPEN = datetime(2026, 10, 17, 8, 0, tzinfo=TEHRAN)  # a Saturday without holidays
DAY_MINUTES = 9 * 60
LUNCH = (240, 300)  # 12:00-13:00, minutes after opening
CALENDAR = make_calendar()
CHANNELS = ("webchat", "instagram", "telegram", "email", "whatsapp", "sms")


def at(minute: int) -> datetime:
    return OPEN + timedelta(minutes=minute)


@dataclass
class Served:
    agent: AgentState
    conv: Waiting
    answered: int
    until: int


def build_agents() -> list[AgentState]:
    agents = [AgentState(id=i, capacity=6, languages=frozenset({"fa"})) for i in range(160)]
    agents += [AgentState(id=i, capacity=10, languages=frozenset({"en"}))
               for i in range(160, 200)]
    return agents


def build_day(rng: random.Random) -> list[tuple[int, Waiting]]:
    arrivals = [rng.randrange(DAY_MINUTES) for _ in range(19_000)]
    arrivals += [120 + rng.randrange(10) for _ in range(1_000)]
    day = []
    for cid, minute in enumerate(sorted(arrivals)):
        priority = rng.choices(PRIORITIES, weights=(5, 15, 60, 20))[0]
        day.append((minute, Waiting(
            id=cid, priority_rank=PRIORITIES.index(priority), waiting_since=at(minute),
            channel_kind=rng.choice(CHANNELS), category=rng.choice(CATEGORIES),
            language="en" if rng.random() < 0.05 else "fa")))
    return day


def expected_breach(minute: int, conv: Waiting) -> bool:
    """Constructed: only English conversations caught by the lunch break can breach."""
    if conv.language != "en" or not LUNCH[0] <= minute < LUNCH[1]:
        return False
    target = DEFAULT_SLA[PRIORITIES[conv.priority_rank]][0]
    return LUNCH[1] - minute > target


def check_round(done: list[tuple[Waiting, AgentState]], waiting: dict[int, Waiting],
                agents: list[AgentState]) -> None:
    """No agent above capacity; nobody skilled for a more urgent waiting one got a later one."""
    head: dict[tuple[str | None, str | None], tuple[int, datetime, int]] = {}
    for conv in waiting.values():
        key = (conv.category, conv.language)
        if key not in head or queue_key(conv) < head[key]:
            head[key] = queue_key(conv)
    for conv, agent in done:
        for (category, language), first in head.items():
            probe = Waiting(id=-1, priority_rank=0, waiting_since=OPEN, channel_kind="email",
                            category=category, language=language)
            if skilled(agent, probe):
                assert first > queue_key(conv), (
                    f"agent {agent.id} took {conv.id} while a more urgent one waited")
    for agent in agents:
        assert agent.load <= agent.capacity, f"agent {agent.id} above capacity"


def run_day() -> tuple[dict[int, Served], list[tuple[int, Waiting]], int]:
    rng = random.Random(1405)
    agents = build_agents()
    day = build_day(rng)
    waiting: dict[int, Waiting] = {}
    served: dict[int, Served] = {}
    busy: dict[int, list[Served]] = defaultdict(list)
    next_arrival, minute, max_queue = 0, 0, 0
    while next_arrival < len(day) or waiting:
        for done in busy.pop(minute, []):
            done.agent.load -= weight_of(done.agent, done.conv.channel_kind)
        for agent in agents[160:]:
            agent.available = not LUNCH[0] <= minute < LUNCH[1]
        while next_arrival < len(day) and day[next_arrival][0] == minute:
            waiting[day[next_arrival][1].id] = day[next_arrival][1]
            next_arrival += 1
        max_queue = max(max_queue, len(waiting))
        done_now = assign_round(waiting.values(), agents, at=float(minute))
        for conv, agent in done_now:
            del waiting[conv.id]
            record = Served(agent=agent, conv=conv, answered=minute,
                            until=minute + 4 + conv.id % 8)
            served[conv.id] = record
            busy[record.until].append(record)
        check_round(done_now, waiting, agents)
        minute += 1
    return served, day, max_queue


def test_a_working_day_of_20000_conversations_with_200_agents() -> None:
    served, day, max_queue = run_day()
    assert len(served) == 20_000, "every conversation is eventually assigned"
    assert max_queue > 500, "the burst really queued: the order of service was tested"
    breached = set()
    for minute, conv in day:
        target = DEFAULT_SLA[PRIORITIES[conv.priority_rank]][0]
        due = add_business_minutes(CALENDAR, at(minute), target)
        if not attained(started=at(minute), answered=at(served[conv.id].answered), due=due):
            breached.add(conv.id)
    constructed = {conv.id for minute, conv in day if expected_breach(minute, conv)}
    assert constructed, "the lunch break must catch some urgent English conversations"
    assert breached == constructed
    attainment = 1 - len(breached) / len(day)
    assert attainment == 1 - len(constructed) / 20_000
    # English conversations caught by lunch were all answered when the agents came back.
    lunch = [served[c.id].answered for m, c in day if c.language == "en" and
             LUNCH[0] <= m < LUNCH[1]]
    assert lunch and set(lunch) == {LUNCH[1]}
