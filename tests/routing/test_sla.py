"""SLA clocks on the database: deadlines in business time, warnings and breaches as jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.models import AuditEvent
from pasokh.db import Database
from pasokh.inbox.actions import do_reply
from pasokh.inbox.models import Conversation
from pasokh.jobs.models import OutboxJob
from pasokh.routing.config import do_set_policy
from pasokh.routing.models import ConversationRouting, RoutingDecision
from pasokh.routing.sla import run_due_sla_jobs
from tests.conftest import World
from tests.routing.conftest import SATURDAY_10, TEHRAN, Write, desk

WEDNESDAY_1659 = datetime(2026, 10, 14, 16, 59, tzinfo=TEHRAN)


def clock(session: Session, conversation: Conversation) -> ConversationRouting:
    row = session.get(ConversationRouting, conversation.id)
    assert row is not None
    return row


@pytest.mark.parametrize(("priority", "arrives", "first_due"), [
    # normal: 240 business minutes; 1 on Wednesday, 239 on Thursday morning.
    ("normal", WEDNESDAY_1659, datetime(2026, 10, 15, 11, 59, tzinfo=TEHRAN)),
    # urgent: 15 minutes, straight over the night.
    ("urgent", WEDNESDAY_1659, datetime(2026, 10, 15, 8, 14, tzinfo=TEHRAN)),
    # high on Nowruz 1405: the desk reopens on 5 Farvardin (25 March 2026).
    ("high", datetime(2026, 3, 21, 10, 0, tzinfo=TEHRAN),
     datetime(2026, 3, 25, 9, 0, tzinfo=TEHRAN)),
])
def test_deadlines_count_business_minutes(session: Session, world: World, write_in: Write,
                                          priority: str, arrives: datetime,
                                          first_due: datetime) -> None:
    conversation = write_in(f"{priority} question: سلام", now=arrives)
    row = clock(session, conversation)
    assert row.first_response_due == first_due
    jobs = session.scalars(select(OutboxJob).where(OutboxJob.kind == "sla.breach")
                           .order_by(OutboxJob.run_after)).all()
    assert jobs[0].run_after == first_due
    assert {j.payload["target"] for j in jobs} == {"first_response", "resolution"}


def test_a_policy_the_supervisor_set_is_used(session: Session, world: World,
                                             write_in: Write) -> None:
    do_set_policy(session=session, workspace_id=world.workspace_id, priority="normal",
                  first=30, nxt=60, resolution=600, warn_at_percent=50)
    conversation = write_in("normal: سلام")
    assert clock(session, conversation).first_response_due == SATURDAY_10 + timedelta(minutes=30)
    warn = session.scalars(select(OutboxJob).where(OutboxJob.kind == "sla.warn")
                           .order_by(OutboxJob.run_after)).first()
    assert warn is not None and warn.run_after == SATURDAY_10 + timedelta(minutes=15)


def test_breach_escalates_after_a_restart(db: Database, session: Session, world: World,
                                          write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 3}), ("bahar", {"capacity": 3}))
    first = write_in("high question: سفارشم کجاست؟")
    owner = first.assignee_id
    other = ({ids["ali"], ids["bahar"]} - {owner}).pop()
    session.commit()
    db.dispose()  # the process dies; the jobs are rows, so they wait for the next one

    restarted = Database(db.url)
    try:
        with restarted.write() as s2:
            # 80 % of 60 business minutes: the warning.
            assert run_due_sla_jobs(session=s2, now=SATURDAY_10 + timedelta(minutes=50)) == 1
            assert s2.scalar(select(AuditEvent).where(AuditEvent.action == "sla.warning"))
            s2.commit()
        with restarted.write() as s2:
            ran = run_due_sla_jobs(session=s2, now=SATURDAY_10 + timedelta(minutes=61))
            assert ran == 1
            conversation = s2.get(Conversation, first.id)
            assert conversation is not None
            assert conversation.priority == "urgent", "a breach raises the priority"
            assert conversation.assignee_id == other, "and reassigns to someone else"
            row = s2.get(ConversationRouting, first.id)
            assert row is not None and row.breached == ["first_response"]
            escalation = s2.scalar(select(RoutingDecision)
                                   .where(RoutingDecision.kind == "escalate"))
            assert escalation is not None
            assert "passed" in escalation.reasons[0]
            notes = s2.scalars(select(OutboxJob.payload)
                               .where(OutboxJob.kind == "notify.sla")).all()
            assert {n["event"] for n in notes} == {"warning", "breach"}
            s2.commit()
        with restarted.write() as s2:  # a job runs once
            assert run_due_sla_jobs(session=s2,
                                    now=SATURDAY_10 + timedelta(minutes=61)) == 0
    finally:
        restarted.dispose()


def test_an_answer_in_time_makes_the_breach_job_moot(session: Session, world: World,
                                                     write_in: Write) -> None:
    conversation = write_in("urgent question: فوری")
    do_reply(session=session, conversation=conversation, author=None, text="بله، بفرمایید",
             at=SATURDAY_10 + timedelta(minutes=5))
    run_due_sla_jobs(session=session, now=SATURDAY_10 + timedelta(minutes=16))
    assert clock(session, conversation).breached == []
    assert conversation.priority == "urgent"
    assert session.scalar(select(RoutingDecision).where(RoutingDecision.kind == "escalate")) \
        is None
