"""Periodic work: snoozed conversations wake up, surveys go out, crises are noticed, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pasokh.analytics.models import CrisisIncident
from pasokh.db import Database
from pasokh.inbox.actions import do_snooze
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.handlers import SNOOZE_WAKEUP, build_runner, purge_done
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.runner import JobRunner
from pasokh.surveys.models import Survey
from tests.analytics.builders import T0, Cast, thread
from tests.analytics.test_crisis import NOW, post, setup
from tests.conftest import World
from tests.jobs.conftest import RecordingBus
from tests.routing.conftest import SATURDAY_10, Write

MINUTE = timedelta(minutes=1)


def two_workers(db: Database, bus: RecordingBus) -> tuple[JobRunner, JobRunner]:
    return build_runner(db, events=bus), build_runner(db, events=bus)


def test_a_snoozed_conversation_reopens_when_its_time_comes(
        db: Database, session: Session, world: World, write_in: Write,
        bus: RecordingBus) -> None:
    conversation = write_in("low question: فردا پیگیری کنید")
    do_snooze(session=session, conversation=conversation, actor=None,
              until=SATURDAY_10 + 30 * MINUTE, at=SATURDAY_10)
    session.commit()
    first, second = two_workers(db, bus)

    first.run_until_idle(now=SATURDAY_10 + 10 * MINUTE)
    with db.read() as s:
        assert s.scalar(select(Conversation.status)) == "snoozed"

    first.run_until_idle(now=SATURDAY_10 + 31 * MINUTE)
    second.run_until_idle(now=SATURDAY_10 + 31 * MINUTE + 10 * timedelta(seconds=1))
    with db.read() as s:
        woken = s.get(Conversation, conversation.id)
        assert woken is not None and (woken.status, woken.snoozed_until) == ("open", None)
        passes = s.scalar(select(func.count()).select_from(OutboxJob)
                          .where(OutboxJob.kind == SNOOZE_WAKEUP)) or 0
    assert passes == 2, "one pass per minute slot, whichever worker ran it"
    assert bus.seen == [(world.workspace_id, "conversation.updated",
                         {"conversation_id": conversation.id, "change": "status"})]


def test_due_surveys_are_sent_by_the_periodic_pass(db: Database, session: Session,
                                                   world: World, bus: RecordingBus) -> None:
    cast = Cast(session, world)
    conversation = thread(cast, [(0, "c"), (5, "a"), (10, "resolve")])
    session.commit()
    build_runner(db, events=bus).run_until_idle(now=T0 + 80 * MINUTE)  # 60 min after

    with db.read() as s:
        survey = s.scalars(select(Survey)).one()
        assert (survey.conversation_id, survey.status) == (conversation.id, "sent")
        question = s.get(Message, survey.question_message_id)
        assert question is not None and question.meta["delivery"] == "no_adapter"


def test_a_crisis_is_noticed_by_the_periodic_check_and_announced_once(
        db: Database, session: Session, world: World, bus: RecordingBus) -> None:
    cast, _ = setup(session, world, webhook_url=None)
    for minute in (5, 10, 20, 30, 40):
        post(cast, NOW - minute * MINUTE)
    session.commit()
    first, second = two_workers(db, bus)

    first.run_until_idle(now=NOW)
    second.run_until_idle(now=NOW + 20 * timedelta(seconds=1))
    first.run_until_idle(now=NOW + MINUTE)  # still spiking: updated, not announced again
    with db.read() as s:
        incident = s.scalars(select(CrisisIncident)).one()
    assert incident.status == "open"
    assert [(kind, data["incident_id"]) for _ws, kind, data in bus.seen] == \
        [("crisis.opened", incident.id)]


def test_done_jobs_are_purged_after_a_week_and_dead_ones_kept(db: Database,
                                                              session: Session) -> None:
    week_ago = T0 - timedelta(days=7, minutes=1)
    for status, at in (("done", week_ago), ("dead", week_ago), ("done", T0)):
        session.add(OutboxJob(kind="x", payload={}, status=status, run_after=at,
                              created_at=at, updated_at=at))
    session.flush()
    purge_done(session, {}, T0)
    left = session.execute(select(OutboxJob.status, OutboxJob.updated_at)
                           .order_by(OutboxJob.id)).all()
    assert [tuple(row) for row in left] == [("dead", week_ago), ("done", T0)]
