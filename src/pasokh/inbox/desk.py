"""Read models for the agent desk: view counts, triage of a page, thread, customer card.

Every function here is a fixed number of queries, whatever the page size: the inbox and
conversation pages assert their query counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.customers.models import Contact, ContactIdentity
from pasokh.inbox.models import OPEN_STATUSES, Conversation, Message, TriageDecision
from pasokh.inbox.schemas import ConversationRead
from pasokh.inbox.service import ConversationFilter, _filtered, list_conversations
from pasokh.replies.models import ReplyTemplate
from pasokh.routing.models import ConversationRouting
from pasokh.tickets.models import Ticket, TicketConversation
from pasokh.users.models import TeamMember, User

VIEWS = ("mine", "team", "unassigned", "review", "all")


def in_view(filters: ConversationFilter, view: str, user_id: int) -> ConversationFilter:
    """`filters` narrowed to a named view: mine, my team's, unassigned, to review or all."""
    if view == "mine":
        return replace(filters, assignee_id=user_id)
    if view == "team":
        return replace(filters, team_member_id=user_id)
    if view == "unassigned":
        return replace(filters, unassigned=True)
    if view == "review":
        return replace(filters, needs_review=True)
    return filters


def count_views(*, session: Session, workspace_id: int, user_id: int,
                filters: ConversationFilter) -> dict[str, int]:
    """How many conversations each view holds under the same filters, in one query.

    Without a search or a filter beyond status this reads ix_conversations_unresolved (or
    ix_conversations_urgency for every status) alone.
    """
    c = Conversation
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    query = _filtered(
        select(
            func.count(),
            func.coalesce(func.sum(case((c.assignee_id == user_id, 1), else_=0)), 0),
            func.coalesce(func.sum(case((c.team_id.in_(my_teams), 1), else_=0)), 0),
            func.coalesce(func.sum(case((c.assignee_id.is_(None), 1), else_=0)), 0),
        ).select_from(c),
        workspace_id, filters,
    )
    row = session.execute(query).one()
    return {"all": int(row[0]), "mine": int(row[1]), "team": int(row[2]),
            "unassigned": int(row[3])}


def routing_of(*, session: Session, conversation_ids: list[int]
               ) -> dict[int, ConversationRouting]:
    """Each conversation's routing (SLA due times, tags), when routing has run (one query)."""
    if not conversation_ids:
        return {}
    rows = session.scalars(select(ConversationRouting).where(
        ConversationRouting.conversation_id.in_(conversation_ids))).all()
    return {r.conversation_id: r for r in rows}


def sla_due(conversation: ConversationRead, routing: ConversationRouting | None
            ) -> datetime | None:
    """When the next answer is due: the first response, then each next one; None if none."""
    if routing is None or conversation.status == "resolved" or conversation.waiting_since is None:
        return None
    if conversation.first_response_at is None:
        return routing.first_response_due
    return routing.next_response_due


def user_names(*, session: Session, workspace_id: int) -> dict[int, User]:
    """The workspace's people by id (assignee names, the assign picker)."""
    users = session.scalars(select(User).where(User.workspace_id == workspace_id)
                            .order_by(User.name)).all()
    return {u.id: u for u in users}


@dataclass
class ThreadMessage:
    """One line of a thread as the page shows it."""

    id: int
    conversation_id: int
    channel: str
    direction: str
    kind: str
    sender_type: str
    author: str
    text: str
    is_public: bool
    sent_at: datetime
    triage: TriageDecision | None = None


def _thread_rows(session: Session, workspace_id: int, conversation_ids: list[int],
                 limit: int) -> list[ThreadMessage]:
    rows = session.execute(
        select(Message, Channel.key, TriageDecision, User.name, Contact.display_name)
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(TriageDecision, TriageDecision.message_id == Message.id)
        .outerjoin(User, User.id == Message.sender_user_id)
        .outerjoin(Contact, Contact.id == Message.sender_contact_id)
        .where(Message.workspace_id == workspace_id,
               Message.conversation_id.in_(conversation_ids))
        .order_by(Message.id).limit(limit)
    ).all()
    return [ThreadMessage(id=m.id, conversation_id=m.conversation_id, channel=key,
                          direction=m.direction, kind=m.kind, sender_type=m.sender_type,
                          author=agent or contact or "", text=m.text, is_public=m.is_public,
                          sent_at=m.sent_at, triage=d)
            for m, key, d, agent, contact in rows]


def thread(*, session: Session, workspace_id: int, conversation_id: int,
           limit: int = 500) -> list[ThreadMessage]:
    """Every message and note of one conversation, oldest first, with authors."""
    return _thread_rows(session, workspace_id, [conversation_id], limit)


@dataclass
class PastConversation:
    conversation: ConversationRead
    messages: list[ThreadMessage] = field(default_factory=list)


@dataclass
class CustomerCard:
    """Everything the agent should know before answering: who, where, and what happened."""

    contact: Contact
    identities: list[ContactIdentity]
    open_tickets: list[Ticket]
    past: list[PastConversation]


def customer_card(*, session: Session, workspace_id: int, contact_id: int,
                  exclude_conversation_id: int, past_limit: int = 10) -> CustomerCard:
    """The customer card: identities, open tickets, earlier conversations readable inline."""
    contact = session.get(Contact, contact_id)
    assert contact is not None and contact.workspace_id == workspace_id
    identities = list(session.scalars(
        select(ContactIdentity).where(ContactIdentity.contact_id == contact_id)
        .order_by(ContactIdentity.kind, ContactIdentity.id)).all())
    tickets = list(session.scalars(
        select(Ticket).where(Ticket.workspace_id == workspace_id, Ticket.contact_id == contact_id,
                             Ticket.status.in_(("open", "pending", "on_hold")))
        .order_by(Ticket.number)).all())
    page = list_conversations(
        session=session, workspace_id=workspace_id,
        filters=ConversationFilter(status=None, contact_id=contact_id), order="recent",
        limit=past_limit + 1)
    past = [PastConversation(c) for c in page.items if c.id != exclude_conversation_id]
    past = past[:past_limit]
    if past:
        by_id: dict[int, list[ThreadMessage]] = defaultdict(list)
        for m in _thread_rows(session, workspace_id, [p.conversation.id for p in past],
                              limit=50 * len(past)):
            by_id[m.conversation_id].append(m)
        for p in past:
            p.messages = by_id[p.conversation.id]
    return CustomerCard(contact=contact, identities=identities, open_tickets=tickets, past=past)


def ticket_number(*, session: Session, conversation_id: int) -> int | None:
    """The number of the ticket this conversation belongs to, if any."""
    return session.scalar(
        select(Ticket.number).join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(TicketConversation.conversation_id == conversation_id)
        .order_by(Ticket.id.desc()).limit(1))


def templates_for(*, session: Session, workspace_id: int, category: str | None,
                  language: str | None) -> list[ReplyTemplate]:
    """The workspace's reply templates, those matching the category and language first."""
    rows = session.scalars(select(ReplyTemplate).where(ReplyTemplate.workspace_id == workspace_id)
                           .order_by(ReplyTemplate.name)).all()
    return sorted(rows, key=lambda t: (t.category != category, t.locale != (language or "fa")))


def is_open(status: str) -> bool:
    """Whether a conversation still waits for work."""
    return status in OPEN_STATUSES
