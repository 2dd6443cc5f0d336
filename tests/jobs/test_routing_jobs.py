"""Routing's jobs through the runner: route after ingest, SLA warnings and breaches."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.models import AuditEvent
from pasokh.db import Database
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.handlers import ROUTE, build_runner
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.service import do_enqueue
from pasokh.routing.config import do_create_team, do_set_members
from pasokh.routing.models import ConversationRouting, RoutingDecision, RoutingRule
from tests.conftest import World
from tests.jobs.conftest import RecordingBus
from tests.routing.conftest import SATURDAY_10, Write, desk

MINUTE = timedelta(minutes=1)


def test_the_route_job_gives_a_stored_message_its_team_and_agent(
        db: Database, session: Session, world: World, write_in: Write, bus: RecordingBus,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Ingest stores the message and queues the route job instead of routing inline.
    monkeypatch.setattr("pasokh.ingest.service.do_route", lambda **_: None)
    team = do_create_team(session=session, workspace_id=world.workspace_id, name="پشتیبانی فنی")
    session.add(RoutingRule(workspace_id=world.workspace_id, name="technical", position=1,
                            conditions={"categories": ["technical"]}, team_id=team.id))
    ids = desk(session, world, ("ali", {"capacity": 3}))
    do_set_members(session=session, team=team, user_ids=[ids["ali"]])
    conversation = write_in("high technical: پرداخت ناموفق بود")
    message_id = session.scalar(select(Message.id)
                                .where(Message.conversation_id == conversation.id))
    assert session.get(ConversationRouting, conversation.id) is None  # not routed yet
    do_enqueue(session=session, workspace_id=world.workspace_id, kind=ROUTE,
               payload={"conversation_id": conversation.id, "message_id": message_id},
               run_after=SATURDAY_10)
    session.commit()

    runner = build_runner(db, events=bus, periodic_every=None)
    runner.run_until_idle(now=SATURDAY_10)

    with db.read() as s:
        routed = s.get(Conversation, conversation.id)
        assert routed is not None
        assert (routed.team_id, routed.assignee_id) == (team.id, ids["ali"])
        row = s.get(ConversationRouting, conversation.id)
        assert row is not None and row.handling == "agent" and row.first_response_due
        kinds = s.scalars(select(RoutingDecision.kind)
                          .where(RoutingDecision.conversation_id == conversation.id)).all()
        assert list(kinds) == ["route", "assign"]
    assert (world.workspace_id, "conversation.updated",
            {"conversation_id": conversation.id, "change": "routing"}) in bus.seen


def test_sla_warning_and_breach_fire_through_the_runner(
        db: Database, session: Session, world: World, write_in: Write,
        bus: RecordingBus) -> None:
    ids = desk(session, world, ("ali", {"capacity": 3}), ("bahar", {"capacity": 3}))
    first = write_in("high question: سفارشم کجاست؟")
    owner = first.assignee_id
    other = ({ids["ali"], ids["bahar"]} - {owner}).pop()
    session.commit()
    runner = build_runner(db, events=bus, periodic_every=None)

    # 80 % of 60 business minutes: the warning, then its in-app notification.
    runner.run_until_idle(now=SATURDAY_10 + 50 * MINUTE)
    supervisors = [world.users["reza"]]
    assert bus.seen == [(world.workspace_id, "sla.warning", {
        "conversation_id": first.id, "target": "first_response",
        "due": (SATURDAY_10 + 60 * MINUTE).astimezone(UTC).isoformat(),
        "assignee_id": owner, "user_ids": sorted({*supervisors, owner})})]
    with db.read() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "sla.warning"))

    runner.run_until_idle(now=SATURDAY_10 + 61 * MINUTE)
    assert bus.kinds() == ["sla.warning", "sla.breach"]
    with db.read() as s:
        conversation = s.get(Conversation, first.id)
        assert conversation is not None
        assert conversation.priority == "urgent", "a breach raises the priority"
        assert conversation.assignee_id == other, "and reassigns to someone else"
        row = s.get(ConversationRouting, first.id)
        assert row is not None and row.breached == ["first_response"]
        left = s.scalars(select(OutboxJob.kind).where(OutboxJob.status != "done",
                                                      OutboxJob.run_after
                                                      <= SATURDAY_10 + 61 * MINUTE)).all()
        assert list(left) == []

    runner.run_until_idle(now=SATURDAY_10 + 61 * MINUTE)  # each job ran once
    assert bus.kinds() == ["sla.warning", "sla.breach"]


def test_a_warning_that_runs_after_its_deadline_is_not_sent(
        db: Database, session: Session, world: World, write_in: Write,
        bus: RecordingBus) -> None:
    # The runner was down from before the warning until after the deadline: when it comes
    # back, the supervisor hears of the breach once, not "due soon" for a deadline passed.
    desk(session, world, ("ali", {"capacity": 3}))
    first = write_in("high question: سفارشم کجاست؟")
    session.commit()
    runner = build_runner(db, events=bus, periodic_every=None)

    runner.run_until_idle(now=SATURDAY_10 + 61 * MINUTE)

    assert bus.kinds() == ["sla.breach"]
    with db.read() as s:
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.target_id == str(first.id), AuditEvent.action == "sla.warning")) is None
        left = s.scalars(select(OutboxJob.kind).where(OutboxJob.status != "done",
                                                      OutboxJob.run_after
                                                      <= SATURDAY_10 + 61 * MINUTE)).all()
        assert list(left) == [], "the moot warning is done, not retried"

