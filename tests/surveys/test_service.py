"""Surveys go out after resolution on the conversation's own channel; replies become scores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.customers.models import Contact
from pasokh.errors import BadRequest
from pasokh.inbox.actions import do_set_status
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.models import OutboxJob
from pasokh.surveys.models import Survey
from pasokh.surveys.service import (
    do_collect_answers,
    do_schedule_surveys,
    do_send_due_surveys,
)
from pasokh.surveys.settings import check_survey_settings
from pasokh.workspaces.models import Workspace
from tests.analytics.builders import T0, Cast, inbound, thread
from tests.conftest import World

HOUR = timedelta(hours=1)


def workspace(session: Session, world: World, **surveys: object) -> Workspace:
    ws = session.get(Workspace, world.workspace_id)
    assert ws is not None
    ws.settings = {**ws.settings, "surveys": surveys}
    session.flush()
    return ws


def resolved(cast: Cast, **kw: object) -> Conversation:
    return thread(cast, [(0, "c"), (5, "a"), (10, "resolve")], **kw)  # type: ignore[arg-type]


def test_a_survey_is_scheduled_once_for_private_conversations(session: Session,
                                                              world: World) -> None:
    cast = Cast(session, world)
    ws = workspace(session, world, delay_minutes=30)
    private = resolved(cast)
    resolved(cast, channel="instagram-main", public=True)  # a public comment: never surveyed
    thread(cast, [(0, "c")])  # still open
    surveys = do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    assert [(s.conversation_id, s.kind) for s in surveys] == [(private.id, "csat")]
    assert surveys[0].send_after == T0 + timedelta(minutes=40)
    assert do_schedule_surveys(session=session, workspace=ws, now=T0 + 2 * HOUR) == []


def test_due_surveys_are_sent_through_the_outbox_as_system_messages(session: Session,
                                                                    world: World) -> None:
    cast = Cast(session, world)
    ws = workspace(session, world, kind="nps", delay_minutes=60)
    conversation = resolved(cast)
    do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    assert do_send_due_surveys(session=session, workspace=ws, now=T0 + HOUR) == []
    [survey] = do_send_due_surveys(session=session, workspace=ws, now=T0 + 2 * HOUR)
    question = session.get(Message, survey.question_message_id)
    assert question is not None
    assert (question.conversation_id, question.sender_type) == (conversation.id, "system")
    assert "۰ تا ۱۰" in question.text
    job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply",
                                                  OutboxJob.payload["message_id"].as_integer()
                                                  == question.id)).one()
    assert job.status == "queued"


def test_a_reopened_conversation_is_not_surveyed(session: Session, world: World) -> None:
    cast = Cast(session, world)
    ws = workspace(session, world)
    conversation = resolved(cast)
    do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    do_set_status(session=session, conversation=conversation, status="open", actor=None,
                  at=T0 + HOUR)
    assert do_send_due_surveys(session=session, workspace=ws, now=T0 + 3 * HOUR) == []
    assert session.scalars(select(Survey.status)).all() == ["cancelled"]


@pytest.mark.parametrize(("reply", "status", "score", "comment", "answer_closed"), [
    ("۴", "answered", 4, None, True),
    ("عالی", "answered", 5, None, True),
    ("5 but delivery was slow", "answered", 5, "5 but delivery was slow", False),
    ("کی پولم برمی‌گرده؟", "commented", None, "کی پولم برمی‌گرده؟", False),
])
def test_the_reply_becomes_a_score_or_a_comment(session: Session, world: World, reply: str,
                                                status: str, score: int | None,
                                                comment: str | None,
                                                answer_closed: bool) -> None:
    cast = Cast(session, world)
    ws = workspace(session, world, delay_minutes=0)
    contact = cast.contact()
    resolved(cast, contact=contact)
    do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    do_send_due_surveys(session=session, workspace=ws, now=T0 + HOUR)
    # The customer's reply arrives after resolution, so ingest opens a new conversation.
    answer_conv = thread(cast, [(90, "c", reply)], contact=contact)
    [survey] = do_collect_answers(session=session, workspace=ws, now=T0 + 2 * HOUR)
    assert (survey.status, survey.score, survey.comment) == (status, score, comment)
    assert survey.answered_at == T0 + timedelta(minutes=90)
    assert (answer_conv.status == "resolved") is answer_closed


def test_an_unanswered_survey_expires(session: Session, world: World) -> None:
    cast = Cast(session, world)
    ws = workspace(session, world, delay_minutes=0, answer_window_hours=24)
    conversation = resolved(cast)
    do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    do_send_due_surveys(session=session, workspace=ws, now=T0 + HOUR)
    assert do_collect_answers(session=session, workspace=ws, now=T0 + 2 * HOUR) == []
    # A message two days later is an ordinary message, not an answer.
    later = thread(cast, [(0, "c", "5")], start=T0 + 48 * HOUR,
                   contact=session.get(Contact, conversation.contact_id))
    inbound(cast, later, T0 + 49 * HOUR, "hello")
    assert do_collect_answers(session=session, workspace=ws, now=T0 + 50 * HOUR) == []
    assert session.scalars(select(Survey.status)).all() == ["expired"]


@pytest.mark.parametrize(("raw", "fragment"), [
    ({"kind": "stars"}, "kind"), ({"delay_minutes": -1}, "delay_minutes"),
    ({"colour": "red"}, "colour"),
])
def test_bad_settings_are_refused_with_the_field_named(raw: dict[str, object],
                                                       fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        check_survey_settings({"surveys": raw})
