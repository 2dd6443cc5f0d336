"""Surveys go out after resolution on the conversation's own channel; replies become scores."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from pasokh.analytics.facts import record_inbound
from pasokh.customers.models import Contact
from pasokh.errors import BadRequest
from pasokh.inbox.actions import do_merge, do_set_status
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.models import OutboxJob
from pasokh.surveys.models import Survey
from pasokh.surveys.service import (
    do_collect_answers,
    do_record_answer,
    do_schedule_surveys,
    do_send_due_surveys,
    match_survey_reply,
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


def test_a_conversation_closed_without_a_reply_is_not_surveyed(session: Session,
                                                                world: World) -> None:
    cast = Cast(session, world)
    ws = workspace(session, world)
    thread(cast, [(0, "c"), (10, "resolve")])  # spam, or a "thanks!" that needed nothing
    thread(cast, [(0, "c"), (3, "n"), (10, "resolve")])  # an internal note is not help
    by_bot = thread(cast, [(0, "c"), (1, "b"), (10, "resolve")])  # the bot's help is rated
    by_agent = resolved(cast)
    surveys = do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    assert sorted(s.conversation_id for s in surveys) == sorted([by_bot.id, by_agent.id])


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


def test_a_conversation_closed_by_a_merge_is_not_surveyed(session: Session,
                                                         world: World) -> None:
    """Regression: the merge resolves the absorbed conversation, which looked surveyable."""
    cast = Cast(session, world)
    ws = workspace(session, world)
    customer = cast.contact("twice")
    kept = thread(cast, [(0, "c"), (5, "a")], contact=customer)
    absorbed = resolved(cast, contact=customer, channel="webchat")
    do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)  # asked before the merge
    do_merge(session=session, source=absorbed, target=kept, actor=None, at=T0 + HOUR)
    assert do_send_due_surveys(session=session, workspace=ws, now=T0 + 3 * HOUR) == []
    assert session.scalars(select(Survey.status)).all() == ["cancelled"]
    assert do_schedule_surveys(session=session, workspace=ws, now=T0 + 3 * HOUR) == []


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


def deliver(cast: Cast, contact: Contact, text: str, at: datetime,
            channel: str = "telegram-bot") -> Message:
    """What ingest does with an inbound message once wired to `match_survey_reply`."""
    session = cast.session
    ch = cast.channel(channel)
    survey = match_survey_reply(session=session, workspace_id=ch.workspace_id,
                                contact_id=contact.id, channel_id=ch.id, text=text, sent_at=at)
    if survey is None:  # the ordinary way: the open conversation, or a new one
        open_ = session.scalars(select(Conversation).where(
            Conversation.contact_id == contact.id, Conversation.channel_id == ch.id,
            Conversation.status != "resolved")).first()
        if open_ is None:
            open_ = thread(cast, [], start=at, contact=contact, channel=channel)
        return inbound(cast, open_, at, text)
    held = session.get(Conversation, survey.conversation_id)
    assert held is not None
    message = Message(workspace_id=ch.workspace_id, conversation_id=held.id, channel_id=ch.id,
                      direction="inbound", kind="message", sender_type="contact",
                      sender_contact_id=contact.id, text=text, sent_at=at, created_at=at)
    session.add(message)
    session.flush()
    held.message_count += 1
    do_record_answer(session=session, survey=survey, message=message)
    record_inbound(session, conversation_id=held.id, sent_at=at, sentiment_score=None)
    return message


@pytest.fixture
def asked(session: Session, world: World) -> tuple[Cast, Contact, Conversation]:
    """A resolved conversation whose CSAT question went out at T0 + 1 h (72 h window)."""
    cast = Cast(session, world)
    ws = workspace(session, world, delay_minutes=0)
    contact = cast.contact()
    conversation = resolved(cast, contact=contact)
    do_schedule_surveys(session=session, workspace=ws, now=T0 + HOUR)
    do_send_due_surveys(session=session, workspace=ws, now=T0 + HOUR)
    return cast, contact, conversation


def _conversations(session: Session) -> int:
    return len(session.scalars(select(Conversation.id)).all())


@pytest.mark.parametrize(("reply", "score"), [("۴", 4), ("عالی", 5), ("5/5", 5), ("⭐⭐⭐", 3)])
def test_a_bare_score_is_recorded_without_opening_a_conversation(
        asked: tuple[Cast, Contact, Conversation], reply: str, score: int) -> None:
    cast, contact, conversation = asked
    before = _conversations(cast.session)
    message = deliver(cast, contact, reply, T0 + 2 * HOUR)
    survey = cast.session.scalars(select(Survey)).one()
    assert (survey.status, survey.score, survey.answer_message_id) == ("answered", score,
                                                                        message.id)
    assert message.conversation_id == conversation.id
    assert conversation.status == "resolved"
    assert _conversations(cast.session) == before


@pytest.mark.parametrize(("reply", "hours", "channel", "why"), [
    ("۵ ولی دیر جواب دادید", 2, "telegram-bot", "words stay open for an agent"),
    ("کی پولم برمی‌گرده؟", 2, "telegram-bot", "not a score"),
    ("۵", 80, "telegram-bot", "after the 72 h window"),
    ("۵", 2, "webchat", "another channel"),
])
def test_anything_else_takes_the_ordinary_way(asked: tuple[Cast, Contact, Conversation],
                                             reply: str, hours: int, channel: str,
                                             why: str) -> None:
    cast, contact, conversation = asked
    message = deliver(cast, contact, reply, T0 + hours * HOUR, channel=channel)
    assert message.conversation_id != conversation.id, why
    assert cast.session.scalars(select(Survey.status)).one() == "sent", why


def test_only_the_first_reply_is_the_answer(asked: tuple[Cast, Contact, Conversation]) -> None:
    cast, contact, conversation = asked
    first = deliver(cast, contact, "سلام، یک سوال دیگر داشتم", T0 + 2 * HOUR)
    do_set_status(session=cast.session, conversation=cast.session.get(
        Conversation, first.conversation_id), status="resolved", actor=None, at=T0 + 3 * HOUR)
    second = deliver(cast, contact, "۵", T0 + 4 * HOUR)
    assert second.conversation_id not in (conversation.id, first.conversation_id)
    assert cast.session.scalars(select(Survey.status)).one() == "sent"


def test_no_survey_waiting_costs_one_query(session: Session, world: World) -> None:
    cast = Cast(session, world)
    contact = cast.contact()
    resolved(cast, contact=contact)
    ch = cast.channel("telegram-bot")
    statements: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert match_survey_reply(session=session, workspace_id=world.workspace_id,
                                  contact_id=contact.id, channel_id=ch.id, text="۵",
                                  sent_at=T0 + HOUR) is None
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements


def test_a_recorded_answer_counts_in_the_metrics_like_any_message(
        asked: tuple[Cast, Contact, Conversation]) -> None:
    from pasokh.analytics.inferred import inferred_ces
    from pasokh.analytics.periods import buckets
    from pasokh.analytics.sql import Scope
    from tests.analytics import reference

    cast, contact, _conversation = asked
    deliver(cast, contact, "۵", T0 + 2 * HOUR)
    scope = Scope(workspace_id=cast.world.workspace_id, buckets=buckets(
        start=T0, end=T0 + 3 * HOUR, grain="day", calendar="jalali"))
    assert inferred_ces(session=cast.session, scope=scope) == \
        reference.inferred_ces(session=cast.session, scope=scope)
