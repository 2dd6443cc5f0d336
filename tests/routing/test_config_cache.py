"""Routing's configuration cache: an edit is seen by the very next route job, in this
process and in another one (a second Database on the same database); route jobs of one
conversation in one batch are routed once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.db import Database
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.handlers import ROUTE, build_runner
from pasokh.jobs.service import do_enqueue
from pasokh.routing import config
from pasokh.routing.cache import routing_config
from pasokh.routing.models import ConversationRouting, RoutingDecision, RoutingRule
from pasokh.routing.schemas import CalendarUpdate, RuleCreate, TeamUpdate
from tests.conftest import World
from tests.routing.conftest import SATURDAY_10, Write

# Saturday 10:00 Tehran: a normal first response is due 240 business minutes later.
NORMAL_DUE = SATURDAY_10 + timedelta(hours=4)
Edit = Callable[[Session, int], None]


def _rule(session: Session, ws: int) -> None:
    data = RuleCreate.model_validate({
        "name": "questions", "position": 1, "conditions": {"categories": ["question"]},
        "tags": ["edited"], "handling": "bot"})
    config.do_save_rule(session=session, workspace_id=ws, rule=None, data=data)


def _policy(session: Session, ws: int) -> None:
    config.do_set_policy(session=session, workspace_id=ws, priority="normal", first=30,
                         nxt=60, resolution=600, warn_at_percent=50)


def _calendar(session: Session, ws: int) -> None:
    config.do_set_calendar(session=session, workspace_id=ws, data=CalendarUpdate(
        name="closed Saturday", timezone="Asia/Tehran",
        weekly_hours={"6": [["08:00", "17:00"]]}))


def _holiday(session: Session, ws: int) -> None:
    config.do_add_holiday(session=session, workspace_id=ws, day=date(2026, 10, 17),
                          name="company day")


def _team(session: Session, ws: int) -> None:
    team = config.do_create_team(session=session, workspace_id=ws, name="others")
    config.do_set_team_skills(session=session, team=team, data=TeamUpdate(categories=["other"]))
    chat = config.do_create_team(session=session, workspace_id=ws, name="chat")
    config.do_set_team_skills(session=session, team=chat, data=TeamUpdate(categories=["question"]))


def _seen(row: ConversationRouting, conversation: Conversation, edit: str) -> bool:
    """Whether the route decision shows the edit."""
    due = row.first_response_due
    if edit == "rule":
        return row.handling == "bot" and row.tags == ["edited"]
    if edit == "policy":
        return due == SATURDAY_10 + timedelta(minutes=30)
    if edit in ("calendar", "holiday"):
        return due is not None and due > NORMAL_DUE  # Saturday is closed: due on Sunday
    return conversation.team_id is not None


EDITS: dict[str, Edit] = {"rule": _rule, "policy": _policy, "calendar": _calendar,
                          "holiday": _holiday, "team": _team}


def _route_job(session: Session, world: World, write_in: Write, text: str) -> Conversation:
    # The calendar exists before the first job, so that job stores the copy of the config.
    config.do_ensure_calendar(session=session, workspace_id=world.workspace_id)
    conversation = write_in(text)
    message_id = session.scalars(select(Message.id).where(
        Message.conversation_id == conversation.id).order_by(Message.id.desc())).first()
    do_enqueue(session=session, workspace_id=world.workspace_id, kind=ROUTE,
               payload={"conversation_id": conversation.id, "message_id": message_id},
               run_after=SATURDAY_10)
    session.commit()
    return conversation


@pytest.mark.parametrize("where", ["same process", "another process"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edit_is_seen_by_the_very_next_route_job(
        db: Database, session: Session, world: World, write_in: Write,
        monkeypatch: pytest.MonkeyPatch, database_url: str, edit: str, where: str) -> None:
    monkeypatch.setattr("pasokh.ingest.service.do_route", lambda **_: None)
    runner = build_runner(db, periodic_every=None)
    before = _route_job(session, world, write_in, "question: سلام")
    runner.run_until_idle(now=SATURDAY_10)  # the configuration is now cached
    with db.read() as s:
        row = s.get_one(ConversationRouting, before.id)
        assert not _seen(row, s.get_one(Conversation, before.id), edit)

    editor = Database(database_url) if where == "another process" else db
    try:
        with editor.write() as s:
            EDITS[edit](s, world.workspace_id)
            s.commit()
    finally:
        if editor is not db:
            editor.dispose()
    after = _route_job(session, world, write_in, "question: دوباره سلام")
    runner.run_until_idle(now=SATURDAY_10)
    with db.read() as s:
        row = s.get_one(ConversationRouting, after.id)
        assert _seen(row, s.get_one(Conversation, after.id), edit)


def test_a_rule_added_without_the_config_functions_is_seen_too(
        db: Database, session: Session, world: World, write_in: Write,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pasokh.ingest.service.do_route", lambda **_: None)
    runner = build_runner(db, periodic_every=None)
    _route_job(session, world, write_in, "question: سلام")
    runner.run_until_idle(now=SATURDAY_10)
    session.add(RoutingRule(workspace_id=world.workspace_id, name="bot", position=1,
                            handling="bot"))
    session.commit()
    after = _route_job(session, world, write_in, "question: دوباره")
    runner.run_until_idle(now=SATURDAY_10)
    with db.read() as s:
        assert s.get_one(ConversationRouting, after.id).handling == "bot"


def test_a_rolled_back_edit_is_never_served(db: Database, session: Session, world: World,
                                            write_in: Write,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pasokh.ingest.service.do_route", lambda **_: None)
    runner = build_runner(db, periodic_every=None)
    with db.write() as s:
        _rule(s, world.workspace_id)
        # Routing inside the editing transaction sees the edit, and caches it...
        assert routing_config(s, world.workspace_id).rules[0].handling == "bot"
        s.rollback()
    after = _route_job(session, world, write_in, "question: سلام")
    runner.run_until_idle(now=SATURDAY_10)
    with db.read() as s:  # ...but nobody is routed with it once it rolled back
        assert s.get_one(ConversationRouting, after.id).handling == "agent"


def test_route_jobs_of_one_conversation_in_a_batch_route_it_once(
        db: Database, session: Session, world: World, write_in: Write,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pasokh.ingest.service.do_route", lambda **_: None)
    session.add(RoutingRule(workspace_id=world.workspace_id, name="refunds", position=1,
                            conditions={"keywords": ["بازپرداخت"]}, handling="ticket",
                            tags=["refund"]))
    session.flush()
    first = write_in("question: بازپرداخت پولم چه شد؟", customer="reza@example.com")
    second = write_in("question: لطفا زود", customer="reza@example.com")
    assert first.id == second.id
    ids = session.scalars(select(Message.id).where(Message.conversation_id == first.id)
                          .order_by(Message.id)).all()
    for message_id in ids:
        do_enqueue(session=session, workspace_id=world.workspace_id, kind=ROUTE,
                   payload={"conversation_id": first.id, "message_id": message_id},
                   run_after=SATURDAY_10)
    session.commit()

    build_runner(db, periodic_every=None).run_until_idle(now=SATURDAY_10)

    with db.read() as s:
        kinds = s.scalars(select(RoutingDecision.kind)
                          .where(RoutingDecision.conversation_id == first.id)).all()
        assert kinds == ["route", "wait"]  # once, not once per message
        row = s.get_one(ConversationRouting, first.id)
        # The keyword was in the first message: the rules read both texts.
        assert (row.handling, row.tags) == ("ticket", ["refund"])
