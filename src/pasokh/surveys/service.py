"""Schedule surveys after resolution, send them on the conversation's channel, read answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.channels.models import Channel
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.service import do_enqueue
from pasokh.surveys.models import Survey
from pasokh.surveys.parse import parse_answer
from pasokh.surveys.settings import check_survey_settings
from pasokh.workspaces.models import Workspace

QUESTIONS: dict[str, dict[str, str]] = {
    "fa": {
        "csat": "از پاسخ‌گویی ما چقدر راضی بودید؟ لطفاً عددی از ۱ (خیلی بد) تا ۵ (عالی) بفرستید.",
        "nps": "چقدر احتمال دارد ما را به دوستانتان پیشنهاد کنید؟ عددی از ۰ تا ۱۰ بفرستید.",
        "ces": "حل مشکل‌تان چقدر آسان بود؟ عددی از ۱ (خیلی سخت) تا ۷ (خیلی آسان) بفرستید.",
    },
    "en": {
        "csat": "How satisfied are you with our help? Reply with 1 (very bad) to 5 (excellent).",
        "nps": "How likely are you to recommend us to a friend? Reply with 0 to 10.",
        "ces": "How easy was it to get your issue solved? Reply with 1 (very hard) to "
               "7 (very easy).",
    },
}


def do_schedule_surveys(*, session: Session, workspace: Workspace, now: datetime,
                        lookback: timedelta = timedelta(days=2)) -> list[Survey]:
    """Schedule the workspace's survey for private conversations resolved recently that an
    agent or the bot answered."""
    settings = check_survey_settings(workspace.settings)
    if not settings.enabled:
        return []
    already = exists().where(Survey.conversation_id == Conversation.id,
                             Survey.kind == settings.kind)
    # Closed without a word to the customer (spam, a "thanks!" needing nothing): there was
    # no help to rate, so nobody is asked how the help was.
    answered = exists().where(Message.conversation_id == Conversation.id,
                              Message.direction == "outbound", Message.kind == "message",
                              Message.sender_type.in_(("agent", "bot")))
    rows = session.execute(
        select(Conversation).join(Channel, Channel.id == Conversation.channel_id)
        .where(Conversation.workspace_id == workspace.id, Conversation.status == "resolved",
               # A conversation merged into another was closed by the merge, not solved.
               Conversation.merged_into_id.is_(None),
               Conversation.is_public.is_(False), Conversation.resolved_at >= now - lookback,
               Channel.kind.in_(settings.channels), ~already, answered)
        .order_by(Conversation.id)
    ).scalars().all()
    surveys = []
    for c in rows:
        assert c.resolved_at is not None
        survey = Survey(workspace_id=workspace.id, conversation_id=c.id, contact_id=c.contact_id,
                        channel_id=c.channel_id, kind=settings.kind, status="scheduled",
                        send_after=c.resolved_at + timedelta(minutes=settings.delay_minutes))
        session.add(survey)
        surveys.append(survey)
    session.flush()
    return surveys


def do_send_due_surveys(*, session: Session, workspace: Workspace, now: datetime,
                        deliver: bool = True) -> list[Survey]:
    """Ask each due survey on its conversation's channel through the outbox.

    A conversation that was reopened (it is not done) or merged into another (its messages
    went there) in the meantime is not surveyed. `deliver=False` records questions that
    were already sent elsewhere (the demo's history), as `inbox.actions.do_reply` does.
    """
    due = session.scalars(select(Survey).where(
        Survey.workspace_id == workspace.id, Survey.status == "scheduled",
        Survey.send_after <= now).order_by(Survey.id)).all()
    sent = []
    for survey in due:
        conversation = session.get(Conversation, survey.conversation_id)
        if (conversation is None or conversation.status != "resolved"
                or conversation.merged_into_id is not None):
            survey.status = "cancelled"
            continue
        locale = "en" if conversation.language == "en" else "fa"
        # A "system" message: it is neither a human nor a bot answer, so no response-time
        # metric ever counts it.
        question = Message(
            workspace_id=workspace.id, conversation_id=conversation.id,
            channel_id=conversation.channel_id, direction="outbound", kind="message",
            sender_type="system", text=QUESTIONS[locale][survey.kind], is_public=False,
            sent_at=now, created_at=now, meta={"survey_id": survey.id})
        session.add(question)
        session.flush()
        if deliver:
            do_enqueue(session=session, workspace_id=workspace.id, kind="send_reply",
                       payload={"message_id": question.id},
                       dedupe_key=f"send_reply:{question.id}")
        survey.status, survey.sent_at, survey.question_message_id = "sent", now, question.id
        sent.append(survey)
    session.flush()
    return sent


def do_record_answer(*, session: Session, survey: Survey, message: Message) -> Survey:
    """Store the customer's reply as a score, or as a comment when it cannot be read."""
    answer = parse_answer(message.text, survey.kind)
    survey.score, survey.comment = answer.score, answer.comment
    survey.status = "answered" if answer.score is not None else "commented"
    survey.answer_message_id, survey.answered_at = message.id, message.sent_at
    do_audit(session=session, workspace_id=survey.workspace_id, action="survey.answered",
             target_type="survey", target_id=survey.id,
             details={"score": answer.score, "kind": survey.kind})
    holder = session.get(Conversation, message.conversation_id)
    # A bare score opened a new conversation that nobody needs to answer: close it.
    if (answer.score is not None and answer.comment is None and holder is not None
            and holder.id != survey.conversation_id and holder.message_count <= 1):
        holder.status, holder.resolved_at, holder.waiting_since = "resolved", message.sent_at, None
    session.flush()
    return survey


def match_survey_reply(*, session: Session, workspace_id: int, contact_id: int,
                       channel_id: int, text: str, sent_at: datetime) -> Survey | None:
    """The survey an inbound message answers with a bare score, or None.

    For ingest, before it opens a conversation: a match is the customer's first reply on
    the survey's channel within the answer window, and reads as a score with no words. Its
    message then belongs to the surveyed conversation (which stays resolved) and
    `do_record_answer` stores the score: no new conversation for anyone to close. Anything
    else — words, a second reply, a live conversation on that channel — is None and goes
    the ordinary way (a reply with words stays open for an agent and `do_collect_answers`
    keeps it as the comment). Without a survey waiting this is one indexed query.
    """
    survey = session.scalars(select(Survey).where(
        Survey.contact_id == contact_id, Survey.status == "sent",
        Survey.channel_id == channel_id, Survey.workspace_id == workspace_id)
        .order_by(Survey.sent_at.desc(), Survey.id.desc()).limit(1)).first()
    if survey is None or survey.sent_at is None or sent_at < survey.sent_at:
        return None
    answer = parse_answer(text, survey.kind)
    if answer.score is None or answer.comment is not None:
        return None
    workspace = session.get(Workspace, workspace_id)
    window = check_survey_settings(workspace.settings if workspace else {}).answer_window_hours
    if sent_at > survey.sent_at + timedelta(hours=window):
        return None
    theirs = select(Conversation.id).where(Conversation.contact_id == contact_id,
                                           Conversation.channel_id == channel_id)
    live = exists(theirs.where(Conversation.status != "resolved"))
    spoke = exists(select(Message.id).where(
        Message.conversation_id.in_(theirs), Message.direction == "inbound",
        Message.kind == "message", Message.sent_at >= survey.sent_at))
    if session.scalar(select(live | spoke)):
        return None
    return survey


def do_collect_answers(*, session: Session, workspace: Workspace, now: datetime) -> list[Survey]:
    """Match each sent survey with the customer's first reply on the same channel."""
    window = timedelta(hours=check_survey_settings(workspace.settings).answer_window_hours)
    answered = []
    for survey in session.scalars(select(Survey).where(
            Survey.workspace_id == workspace.id, Survey.status == "sent")).all():
        assert survey.sent_at is not None
        reply = session.scalars(select(Message).where(
            Message.channel_id == survey.channel_id,
            Message.sender_contact_id == survey.contact_id, Message.direction == "inbound",
            Message.sent_at >= survey.sent_at, Message.sent_at <= survey.sent_at + window)
            .order_by(Message.sent_at, Message.id).limit(1)).first()
        if reply is not None:
            answered.append(do_record_answer(session=session, survey=survey, message=reply))
        elif now > survey.sent_at + window:
            survey.status = "expired"  # never answered: not a score, not a comment
    session.flush()
    return answered
