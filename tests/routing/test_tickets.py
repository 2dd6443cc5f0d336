"""Tickets for technical problems, and public complaints moved to a private channel."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.errors import Unprocessable
from pasokh.inbox.models import Message
from pasokh.jobs.models import OutboxJob
from pasokh.routing.models import ConversationRouting, RoutingRule
from pasokh.tickets.models import Ticket
from pasokh.tickets.service import (
    do_invite_private,
    do_set_ticket_status,
    find_by_reference,
    linked_conversations,
    reference,
)
from pasokh.workspaces.models import Workspace
from tests.conftest import World
from tests.routing.conftest import Write


def technical_rule(session: Session, world: World) -> None:
    session.add(RoutingRule(workspace_id=world.workspace_id, name="فنی / technical",
                            conditions={"categories": ["technical"]}, handling="ticket",
                            tags=["tech"]))
    session.flush()


def test_a_technical_problem_becomes_a_ticket_with_a_short_reference(
        session: Session, world: World, write_in: Write) -> None:
    technical_rule(session, world)
    first = write_in("technical: پرداخت انجام شد ولی سفارش ثبت نشد")
    second = write_in("technical en: the app crashes on login")
    tickets = session.scalars(select(Ticket).order_by(Ticket.number)).all()
    assert [reference(t) for t in tickets] == ["#1001", "#1002"]
    assert linked_conversations(session=session, ticket=tickets[0]) == [first.id]
    assert find_by_reference(session=session, workspace_id=world.workspace_id,
                             ref="#۱۰۰۲").id == tickets[1].id
    routing = session.get(ConversationRouting, second.id)
    assert routing is not None and routing.handling == "ticket" and routing.tags == ["tech"]


def test_a_second_message_joins_the_same_ticket(session: Session, world: World,
                                                write_in: Write) -> None:
    technical_rule(session, world)
    write_in("technical: خطا می‌دهد", customer="same@example.com")
    write_in("technical: هنوز خطا می‌دهد", customer="same@example.com")
    assert len(session.scalars(select(Ticket)).all()) == 1


@pytest.mark.parametrize(("path", "allowed"), [
    (["pending", "on_hold", "open", "solved", "closed"], True),
    (["solved", "open"], True),          # reopened
    (["closed", "open"], False),         # closed is final
])
def test_ticket_statuses(session: Session, world: World, write_in: Write,
                         path: list[str], allowed: bool) -> None:
    technical_rule(session, world)
    write_in("technical: مشکل")
    ticket = session.scalars(select(Ticket)).one()
    if allowed:
        for status in path:
            do_set_ticket_status(session=session, ticket=ticket, status=status, actor=None)
        assert ticket.status == path[-1]
    else:
        do_set_ticket_status(session=session, ticket=ticket, status=path[0], actor=None)
        with pytest.raises(Unprocessable, match="closed ticket stays closed"):
            do_set_ticket_status(session=session, ticket=ticket, status=path[1], actor=None)


def test_workspace_policy_can_invite_to_private_instead_of_a_ticket(
        session: Session, world: World, write_in: Write) -> None:
    technical_rule(session, world)
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    workspace.settings = {**workspace.settings,
                          "routing": {"technical_handling": "invite_private"}}
    session.flush()
    conversation = write_in("technical: نمی‌توانم وارد شوم")
    routing = session.get(ConversationRouting, conversation.id)
    assert routing is not None and routing.handling == "invite_private"
    assert session.scalars(select(Ticket)).all() == []


@pytest.mark.parametrize(("language", "expected"), [
    ("fa", "پیام خصوصی"),
    ("en", "message us privately"),
])
def test_a_public_complaint_moves_to_private_with_a_short_public_reply(
        session: Session, world: World, write_in: Write, language: str, expected: str) -> None:
    conversation = write_in(f"complaint negative {language}: خیلی بد بود!",
                            channel="instagram-main", is_public=True)
    result = do_invite_private(session=session, conversation=conversation, actor=None,
                               open_ticket=True)
    assert expected in result.reply.text
    assert result.ticket is not None and reference(result.ticket) in result.reply.text
    reply = session.get(Message, result.reply.id)
    assert reply is not None and reply.is_public and reply.direction == "outbound"
    assert conversation.status == "pending"
    assert session.scalar(select(OutboxJob).where(OutboxJob.kind == "send_reply"))
