"""The agent-state snapshot goes stale and assignment stays right.

Each test commits, as the app does, so the process's snapshot outlives a transaction.
"Another process" is simulated with plain SQL on a connection of its own: no ORM hook in
this process sees it, exactly as a second app server's writes would not be seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session

from pasokh.customers.service import SenderIdentity
from pasokh.db import Database
from pasokh.inbox.actions import do_set_status
from pasokh.inbox.models import Conversation
from pasokh.ingest.service import InboundMessage, do_ingest
from pasokh.routing import snapshot
from pasokh.routing.config import do_ensure_calendar
from pasokh.routing.models import AgentProfile, ConversationRouting, RoutingDecision
from pasokh.routing.service import do_fill_capacity
from pasokh.routing.snapshot_data import WorkspaceSnapshot
from pasokh.users.models import User
from tests.conftest import World
from tests.routing.conftest import SATURDAY_10, ScriptedTriager, desk

_numbers = count(1)


def write(s: Session, world: World, body: str = "question: سلام",
          channel: str = "webchat") -> Conversation:
    """A customer writes; ingest routes and dispatches in `s` (the caller commits)."""
    n = next(_numbers)
    result = do_ingest(
        session=s, workspace_id=world.workspace_id,
        inbound=InboundMessage(channel_key=channel, text=body, is_public=False,
                               sender=SenderIdentity(external_id=f"snap{n}@example.com"),
                               provider_message_id=f"snap{n}"),
        triager=ScriptedTriager(), max_chars=10_000, now=SATURDAY_10)
    conversation = s.get(Conversation, result.message.conversation_id)
    assert conversation is not None
    return conversation


def held_units(db: Database, agent_id: int) -> int:
    with db.read() as s:
        return int(s.scalar(
            select(func.coalesce(func.sum(ConversationRouting.weight), 0))
            .join(Conversation, Conversation.id == ConversationRouting.conversation_id)
            .where(Conversation.assignee_id == agent_id, Conversation.status != "resolved"))
            or 0)


def elsewhere(db: Database, sql: str, **params: object) -> None:
    """Another process writes: plain SQL, its own connection, committed."""
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.fixture
def two_agents(db: Database, world: World) -> Iterator[dict[str, int]]:
    """ali and bahar online, each with room for exactly one chat (3 units)."""
    with db.write() as s:
        ids = desk(s, world, ("ali", {"capacity": 3}), ("bahar", {"capacity": 3}))
        s.commit()
    yield ids
    snapshot.reset()


def test_a_rolled_back_assignment_leaves_the_snapshot_unchanged(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        first = write(s, world)
        chosen = first.assignee_id
        s.rollback()
    with db.write() as s:
        again = write(s, world)
        s.commit()
    assert chosen is not None and again.assignee_id == chosen, \
        "the rolled-back assignment must not count against the agent"


def test_a_committed_assignment_updates_the_snapshot_without_a_reread(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        first = write(s, world)
        s.commit()
    with db.write() as s:
        second = write(s, world)
        s.commit()
    assert {first.assignee_id, second.assignee_id} == set(two_agents.values())


def test_load_added_by_another_process_is_seen_before_the_write(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        emails = [write(s, world, f"question: ایمیل {i}", channel="email-support")
                  for i in range(2)]
        s.commit()
    assert {e.assignee_id for e in emails} == set(two_agents.values())
    # Another process turns both emails (1 unit) into chats (3 units): both agents are
    # full, while this process's snapshot still gives each 2 units of room.
    elsewhere(db, "UPDATE conversations SET channel_id = (SELECT id FROM channels "
                  "WHERE key = 'webchat') WHERE id IN (:a, :b)", a=emails[0].id, b=emails[1].id)
    elsewhere(db, "UPDATE conversation_routing SET weight = 3 WHERE conversation_id IN "
                  "(:a, :b)", a=emails[0].id, b=emails[1].id)
    with db.write() as s:
        late = write(s, world, "question: یک ایمیل دیگر", channel="email-support")
        s.commit()
    assert late.assignee_id is None, "nobody has room, whatever the snapshot said"
    for agent_id in two_agents.values():
        assert held_units(db, agent_id) == 3


def test_an_agent_who_went_away_in_another_process_is_not_assigned(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        write(s, world, channel="email-support")  # warm the snapshot
        s.commit()
    elsewhere(db, "UPDATE agent_profiles SET presence = 'away' WHERE user_id IN (:a, :b)",
              a=two_agents["ali"], b=two_agents["bahar"])
    with db.write() as s:
        conversation = write(s, world)
        s.commit()
    assert conversation.assignee_id is None
    with db.read() as s:
        last = s.scalars(select(RoutingDecision)
                         .where(RoutingDecision.conversation_id == conversation.id)
                         .order_by(RoutingDecision.id.desc())).first()
    assert last is not None and last.kind == "wait"


def test_a_resolve_in_this_process_frees_the_agent_at_once(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        chats = [write(s, world, f"question: چت {i}") for i in range(3)]
        s.commit()
    waiting = [c for c in chats if c.assignee_id is None]
    assert len(waiting) == 1
    done = chats[0]
    with db.write() as s:  # the inbox resolves: no routing code runs
        resolved = s.get(Conversation, done.id)
        assert resolved is not None
        do_set_status(session=s, conversation=resolved, status="resolved", actor=None)
        s.commit()
    with db.read() as s:
        agents, _ = snapshot.agents_view(s, world.workspace_id, SATURDAY_10)
        assert {a.id: a.load for a in agents}[done.assignee_id or 0] == 0
    with db.write() as s:
        taken = do_fill_capacity(session=s, workspace_id=world.workspace_id,
                                 agent_id=done.assignee_id or 0, now=SATURDAY_10)
        s.commit()
    assert taken == [waiting[0].id], "the freed capacity goes to the next in line"
    assert held_units(db, done.assignee_id or 0) == 3


def test_a_resolve_in_this_process_is_added_to_the_copy_without_a_reread(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        chat = write(s, world)
        s.commit()
    assert chat.assignee_id is not None
    with db.write() as s:
        resolved = s.get(Conversation, chat.id)
        assert resolved is not None
        do_set_status(session=s, conversation=resolved, status="resolved", actor=None)
        s.commit()
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(db.write_engine, "before_cursor_execute", seen)
    try:
        with db.write() as s:
            agents, _ = snapshot.agents_view(s, world.workspace_id, SATURDAY_10,
                                             max_age=3600.0)
    finally:
        event.remove(db.write_engine, "before_cursor_execute", seen)
    assert {a.id: a.load for a in agents}[chat.assignee_id] == 0
    assert sent == [], "the resolve's change of load was applied, not re-read"


def test_capacity_freed_by_another_process_is_filled_by_do_fill_capacity(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        chats = [write(s, world, f"question: چت {i}") for i in range(3)]
        s.commit()
    done, waiting = chats[0], chats[2]
    assert waiting.assignee_id is None
    elsewhere(db, "UPDATE conversations SET status = 'resolved' WHERE id = :c", c=done.id)
    with db.write() as s:
        taken = do_fill_capacity(session=s, workspace_id=world.workspace_id,
                                 agent_id=done.assignee_id or 0, now=SATURDAY_10)
        s.commit()
    assert taken == [waiting.id]


def test_a_snapshot_older_than_its_bound_is_read_again(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    with db.write() as s:
        write(s, world, channel="email-support")
        s.commit()
    elsewhere(db, "UPDATE agent_profiles SET presence = 'offline' WHERE user_id = :a",
              a=two_agents["bahar"])
    with db.write() as s:  # on SQLite, write sessions have an engine (and copy) of their own
        agents, _ = snapshot.agents_view(s, world.workspace_id, SATURDAY_10)
        assert len(agents) == 2, "within its age bound the copy may be stale"
        agents, _ = snapshot.agents_view(s, world.workspace_id, SATURDAY_10, max_age=0.0)
    assert [a.id for a in agents] == [two_agents["ali"]]


def test_two_transactions_never_overload_one_agent(
        db: Database, world: World, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the second transaction cannot start "
                    "before the first commits, which the other tests here cover")
    with db.write() as s:
        ids = desk(s, world, ("ali", {"capacity": 3}))
        do_ensure_calendar(session=s, workspace_id=world.workspace_id)
        s.commit()
    with db.read() as s:  # this process's snapshot: ali has room for one chat
        snapshot.agents_view(s, world.workspace_id, SATURDAY_10)
    with db.write() as a, db.write() as b:
        b.execute(text("SET LOCAL lock_timeout = '5s'"))  # a regression fails, not hangs
        one = write(a, world, "question: یک")  # ali's row stays locked until a commits
        two = write(b, world, "question: دو")  # b's snapshot still says ali has room
        a.commit()
        b.commit()
    assert one.assignee_id == ids["ali"] and two.assignee_id is None
    assert held_units(db, ids["ali"]) == 3
    snapshot.reset()


def test_resolving_queues_a_job_that_hands_the_freed_seat_to_the_next_in_line(
        db: Database, world: World, two_agents: dict[str, int]) -> None:
    from pasokh.jobs.handlers import build_runner
    from pasokh.jobs.models import OutboxJob

    with db.write() as s:
        chats = [write(s, world, f"question: چت {i}") for i in range(3)]
        s.commit()
    done = chats[0]
    waiting = [c for c in chats if c.assignee_id is None]
    assert len(waiting) == 1
    with db.write() as s:  # the agent resolves in the inbox; routing is not called here
        resolved = s.get(Conversation, done.id)
        assert resolved is not None
        do_set_status(session=s, conversation=resolved, status="resolved", actor=None,
                      at=SATURDAY_10)
        s.commit()
    with db.read() as s:
        job = s.scalars(select(OutboxJob).where(OutboxJob.kind == "fill_capacity")).one()
        assert job.payload == {"workspace_id": world.workspace_id, "agent_id": done.assignee_id}
    build_runner(db, periodic_every=None).run_until_idle(now=SATURDAY_10)
    with db.read() as s:
        assert s.get_one(Conversation, waiting[0].id).assignee_id == done.assignee_id


def crowd(db: Database, world: World, n: int) -> list[int]:
    """n more agents online (plain inserts: the password hash of do_create_user is slow)."""
    now = SATURDAY_10
    with db.write() as s:
        users = s.execute(insert(User).returning(User.id), [
            {"workspace_id": world.workspace_id, "email": f"crowd{i}@desk.example",
             "name": f"crowd {i}", "password_hash": "x", "role": "agent", "locale": "fa",
             "is_active": True, "created_at": now} for i in range(n)]).scalars().all()
        s.execute(insert(AgentProfile), [
            {"user_id": uid, "workspace_id": world.workspace_id, "skills": [],
             "languages": ["fa"], "capacity": 6, "channel_weights": {}, "presence": "online",
             "presence_changed_at": now, "working_hours": []} for uid in users])
        do_ensure_calendar(session=s, workspace_id=world.workspace_id)
        s.commit()
    return list(users)


def online_ids(db: Database, world: World, max_age: float = snapshot.MAX_AGE_S) -> set[int]:
    with db.write() as s:
        agents, _ = snapshot.agents_view(s, world.workspace_id, SATURDAY_10, max_age=max_age)
    return {a.id for a in agents}


def current_copy(db: Database, world: World) -> WorkspaceSnapshot:
    with db.write() as s:
        return snapshot.snapshot_for(s, world.workspace_id)


def test_a_large_copy_is_read_again_one_slice_at_a_time(db: Database, world: World) -> None:
    ids = crowd(db, world, 3 * snapshot.SLICE_AGENTS)
    assert set(ids) <= online_ids(db, world)
    copy = current_copy(db, world)
    assert copy.slices == 3
    first, second = (next(u for u in ids if u % 3 == k) for k in (0, 1))
    elsewhere(db, "UPDATE agent_profiles SET presence = 'offline' WHERE user_id IN (:a, :b)",
              a=first, b=second)
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(db.write_engine, "before_cursor_execute", seen)
    try:
        copy.read_at[0] -= 10 * snapshot.MAX_AGE_S  # slice 0 is past its bound, 1 and 2 not
        online = online_ids(db, world)
        assert first not in online and second in online, "only the slice past its bound"
        assert len(sent) == 1, "one statement"
        assert current_copy(db, world) is copy, "read in place"
        copy.read_at[1] -= 10 * snapshot.MAX_AGE_S
        assert second not in online_ids(db, world)
    finally:
        event.remove(db.write_engine, "before_cursor_execute", seen)
        snapshot.reset()


def test_a_slice_read_sees_load_freed_by_another_process(db: Database, world: World) -> None:
    ids = crowd(db, world, 2 * snapshot.SLICE_AGENTS)
    with db.write() as s:
        chat = write(s, world)
        s.commit()
    agent = chat.assignee_id
    assert agent is not None
    copy = current_copy(db, world)
    assert copy.slices == 2 and agent in ids
    assert copy.agents[agent].load > 0
    elsewhere(db, "UPDATE conversations SET status = 'resolved' WHERE id = :c", c=chat.id)
    copy.read_at[agent % copy.slices] -= 10 * snapshot.MAX_AGE_S
    with db.write() as s:
        agents, _ = snapshot.agents_view(s, world.workspace_id, SATURDAY_10)
    assert {a.id: a.load for a in agents}[agent] == 0
    snapshot.reset()


def test_the_slices_of_a_whole_reload_come_due_one_by_one_within_the_bound() -> None:
    copy = WorkspaceSnapshot(workspace_id=1, zone=ZoneInfo("Asia/Tehran"), loaded_at=100.0,
                             agents={}, slices=8, spread=1.0)
    bound = 2.0
    assert copy.due(100.9, bound) == []
    assert copy.due(101.2, bound) == [0], "the first re-read comes a second early"
    assert copy.due(101.9, bound) == [0, 1, 2, 3, 4, 5, 6]
    assert copy.due(102.01, bound) == list(range(8)), "none is older than the bound"
    assert copy.due(100.0, 0.0) == list(range(8)), "a fresh copy means all of it"
    copy.read_at[0], copy.lead[0] = 101.2, 0.0
    assert copy.due(103.0, bound) == list(range(1, 8)), "a slice read alone keeps its bound"
