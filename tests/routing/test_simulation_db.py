"""A morning at the desk on the real database: ingest, routing, assignment and SLA clocks.

8 agents, 120 conversations arriving 10:00-10:59 on a Saturday, each answered the minute
it is assigned and resolved a few minutes later. At 10:30 every agent goes away for
twenty minutes, so what arrives 10:30-10:49 waits until 10:50. Constructed outcome: only
urgent conversations that arrived before 10:35 (a wait above 15 business minutes) miss
their first-response target; everything else meets it. After every minute the test checks
that nobody is above capacity and that nothing more urgent (or equally urgent and older)
than a conversation just assigned is left waiting.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pasokh.inbox.actions import do_reply, do_set_status
from pasokh.inbox.models import Conversation
from pasokh.routing.config import DEFAULT_SLA, get_profile
from pasokh.routing.models import AgentProfile, ConversationRouting
from pasokh.routing.service import do_rebalance, do_set_presence
from pasokh.routing.sla import attained
from tests.conftest import World
from tests.routing.conftest import SATURDAY_10, Write, desk

AWAY = (30, 50)
CHANNELS = ("webchat", "email-support", "instagram-main")


def minute(m: int) -> datetime:
    return SATURDAY_10 + timedelta(minutes=m)


def check_capacity(session: Session, world: World) -> None:
    loads = session.execute(
        select(Conversation.assignee_id, func.sum(ConversationRouting.weight),
               AgentProfile.capacity)
        .join(ConversationRouting, ConversationRouting.conversation_id == Conversation.id)
        .join(AgentProfile, AgentProfile.user_id == Conversation.assignee_id)
        .where(Conversation.workspace_id == world.workspace_id,
               Conversation.status != "resolved")
        .group_by(Conversation.assignee_id, AgentProfile.capacity)).all()
    for agent, load, capacity in loads:
        assert load <= capacity, f"agent {agent} holds {load} of {capacity} units"


def queue_key(c: Conversation) -> tuple[int, datetime, int]:
    assert c.waiting_since is not None
    return (c.priority_rank, c.waiting_since, c.id)


@pytest.mark.slow  # about 15 s per backend on a busy 2-core machine
def test_a_morning_on_the_database(session: Session, world: World, write_in: Write) -> None:
    rng = random.Random(1405)
    ids = desk(session, world, *((f"agent{i}", {"capacity": 30}) for i in range(8)))
    arrivals = sorted((rng.randrange(60), rng.choice(("urgent", "high", "normal", "low")),
                       rng.choice(CHANNELS)) for _ in range(120))
    finishing: dict[int, list[Conversation]] = {}
    answered: dict[int, int] = {}
    arrived_at: dict[int, int] = {}
    conversations: list[Conversation] = []
    for m in range(75):
        for conversation in finishing.pop(m, []):
            do_set_status(session=session, conversation=conversation, status="resolved",
                          actor=None, at=minute(m))
        if m in AWAY:
            for user_id in ids.values():
                profile = get_profile(session=session, workspace_id=world.workspace_id,
                                      user_id=user_id)
                do_set_presence(session=session, profile=profile,
                                presence="away" if m == AWAY[0] else "online", now=minute(m))
        for at, priority, channel in arrivals:
            if at == m:
                conversation = write_in(f"{priority} question: پیام", channel=channel,
                                        now=minute(m))
                arrived_at[conversation.id] = m
                conversations.append(conversation)
        do_rebalance(session=session, workspace_id=world.workspace_id, now=minute(m))
        session.flush()
        fresh = [c for c in conversations if c.assignee_id and c.id not in answered]
        waiting = [c for c in conversations if c.assignee_id is None and c.status == "open"]
        for conversation in fresh:
            assert not any(queue_key(w) < queue_key(conversation) for w in waiting), \
                "a more urgent or older conversation was left waiting"
            do_reply(session=session, conversation=conversation, author=None, text="سلام",
                     at=minute(m))
            answered[conversation.id] = m
            finishing.setdefault(m + 3 + conversation.id % 3, []).append(conversation)
        check_capacity(session, world)
    assert len(answered) == 120
    breached = set()
    for conversation in conversations:
        clock = session.get(ConversationRouting, conversation.id)
        assert clock is not None and clock.first_response_due is not None
        if not attained(started=minute(arrived_at[conversation.id]),
                        answered=conversation.first_response_at,
                        due=clock.first_response_due):
            breached.add(conversation.id)
    constructed = {
        c.id for c in conversations
        if AWAY[0] <= arrived_at[c.id] < AWAY[1]
        and AWAY[1] - arrived_at[c.id] > DEFAULT_SLA[c.priority][0]
    }
    assert constructed and breached == constructed
    assert {answered[c] for c in constructed} == {AWAY[1]}
