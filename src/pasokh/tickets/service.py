"""Tickets for technical problems, and moving a public complaint into a private channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.db import utcnow
from pasokh.errors import NotFound, Unprocessable
from pasokh.inbox.actions import do_reply
from pasokh.inbox.models import Conversation, Message
from pasokh.replies.models import ReplyTemplate
from pasokh.tickets.models import TICKET_STATUSES, Ticket, TicketConversation
from pasokh.users.models import User

FIRST_NUMBER = 1001
# Which status changes make sense; "closed" is final (a new problem opens a new ticket).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("pending", "on_hold", "solved", "closed"),
    "pending": ("open", "on_hold", "solved", "closed"),
    "on_hold": ("open", "pending", "solved", "closed"),
    "solved": ("open", "closed"),
    "closed": (),
}
INVITE_TEMPLATE = "invite_private"
DEFAULT_INVITE = {
    "fa": "سلام، برای پیگیری دقیق‌تر لطفاً در پیام خصوصی با ما در تماس باشید؛ "
          "همکاران ما آنجا پاسخگوی شما هستند.",
    "en": "Hello, so we can look into this properly, please message us privately; "
          "our team will answer you there.",
}
TICKET_NOTICE = {
    "fa": "درخواست شما با شماره پیگیری {ref} ثبت شد.",
    "en": "We have opened ticket {ref} for your request.",
}


def reference(ticket: Ticket) -> str:
    """The short reference a customer quotes, e.g. '#1042'."""
    return f"#{ticket.number}"


def get_ticket(*, session: Session, workspace_id: int, ticket_id: int) -> Ticket:
    """One ticket of the workspace, or NotFound."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.workspace_id != workspace_id:
        raise NotFound(f"Ticket {ticket_id} does not exist in this workspace.",
                       fa=f"تیکت {ticket_id} در این فضای کاری نیست.")
    return ticket


def find_by_reference(*, session: Session, workspace_id: int, ref: str) -> Ticket:
    """The ticket a customer quotes as '#1042' or '1042' (Persian digits too)."""
    digits = ref.strip().lstrip("#").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    if not digits.isdigit():
        raise Unprocessable(f"'{ref[:20]}' is not a ticket reference; it looks like #1042.",
                            fa=f"«{ref[:20]}» شمارهٔ تیکت نیست؛ شمارهٔ تیکت مانند #1042 است.")
    ticket = session.scalar(select(Ticket).where(Ticket.workspace_id == workspace_id,
                                                 Ticket.number == int(digits)))
    if ticket is None:
        raise NotFound(f"No ticket #{digits} in this workspace.",
                       fa=f"تیکت #{digits} در این فضای کاری نیست.")
    return ticket


def linked_conversations(*, session: Session, ticket: Ticket) -> list[int]:
    """Ids of the conversations gathered under a ticket."""
    return list(session.scalars(select(TicketConversation.conversation_id)
                                .where(TicketConversation.ticket_id == ticket.id)
                                .order_by(TicketConversation.conversation_id)))


def do_open_ticket(*, session: Session, workspace_id: int, subject: str,
                   priority: str = "normal", contact_id: int | None = None,
                   conversation_ids: tuple[int, ...] = (), actor: User | None = None
                   ) -> Ticket:
    """Open a ticket with the next per-workspace number, linked to its conversations."""
    for _ in range(5):  # two writers may pick the same number on PostgreSQL: retry
        number = (session.scalar(select(func.max(Ticket.number))
                                 .where(Ticket.workspace_id == workspace_id)) or
                  FIRST_NUMBER - 1) + 1
        ticket = Ticket(workspace_id=workspace_id, number=number, subject=subject[:300],
                        priority=priority, contact_id=contact_id,
                        assignee_id=actor.id if actor else None)
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise Unprocessable("Could not allocate a ticket number; try again.",
                            fa="شمارهٔ تیکت گرفته نشد؛ دوباره امتحان کنید.")
    for conversation_id in conversation_ids:
        do_link(session=session, ticket=ticket, conversation_id=conversation_id)
    do_audit(session=session, workspace_id=workspace_id, action="ticket.opened",
             target_type="ticket", target_id=ticket.id,
             actor_user_id=actor.id if actor else None)
    return ticket


def do_link(*, session: Session, ticket: Ticket, conversation_id: int) -> None:
    """Gather one more conversation under the ticket (no-op when already linked)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != ticket.workspace_id:
        raise NotFound(f"Conversation {conversation_id} does not exist in this workspace.",
                       fa=f"گفت‌وگوی {conversation_id} در این فضای کاری نیست.")
    if session.get(TicketConversation, (ticket.id, conversation_id)) is None:
        session.add(TicketConversation(ticket_id=ticket.id, conversation_id=conversation_id))
        session.flush()


def do_ticket_for(*, session: Session, conversation: Conversation, actor: User | None
                  ) -> Ticket:
    """The conversation's open ticket, or a new one opened from it."""
    existing = session.scalar(
        select(Ticket).join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(TicketConversation.conversation_id == conversation.id,
               Ticket.status.not_in(("solved", "closed")))
    )
    if existing is not None:
        return existing
    return do_open_ticket(session=session, workspace_id=conversation.workspace_id,
                          subject=conversation.subject or "technical problem",
                          priority=conversation.priority, contact_id=conversation.contact_id,
                          conversation_ids=(conversation.id,), actor=actor)


def do_set_ticket_status(*, session: Session, ticket: Ticket, status: str, actor: User | None,
                         at: datetime | None = None) -> Ticket:
    """Move a ticket along open → pending/on_hold → solved → closed."""
    if status not in TICKET_STATUSES:
        raise Unprocessable(f"Unknown ticket status '{status[:20]}': use "
                            f"{', '.join(TICKET_STATUSES)}.",
                            fa=f"وضعیت تیکت «{status[:20]}» شناخته نیست؛ یکی از این‌ها را "
                            f"بگذارید: {'، '.join(TICKET_STATUSES)}.")
    if status != ticket.status and status not in TRANSITIONS[ticket.status]:
        raise Unprocessable(f"A {ticket.status} ticket cannot become {status}; a closed ticket "
                            "stays closed, open a new one instead.",
                            fa=f"تیکتِ {ticket.status} نمی‌تواند {status} شود؛ تیکت بسته، "
                            "بسته می‌ماند؛ به جای آن تیکت تازه‌ای باز کنید.")
    ticket.status = status
    ticket.solved_at = (at or utcnow()) if status in ("solved", "closed") else None
    do_audit(session=session, workspace_id=ticket.workspace_id, action=f"ticket.{status}",
             target_type="ticket", target_id=ticket.id,
             actor_user_id=actor.id if actor else None)
    return ticket


def _template(session: Session, workspace_id: int, locale: str) -> str:
    body = session.scalar(select(ReplyTemplate.body).where(
        ReplyTemplate.workspace_id == workspace_id, ReplyTemplate.name == INVITE_TEMPLATE,
        ReplyTemplate.locale == locale))
    return body or DEFAULT_INVITE.get(locale, DEFAULT_INVITE["fa"])


@dataclass(frozen=True)
class Invitation:
    reply: Message
    ticket: Ticket | None


def do_invite_private(*, session: Session, conversation: Conversation, actor: User | None,
                      text: str | None = None, open_ticket: bool = False) -> Invitation:
    """Answer publicly with a short invitation to a private channel, and park the thread.

    The public reply uses the workspace's 'invite_private' template in the conversation's
    language unless `text` is given; with `open_ticket`, its reference is appended.
    """
    locale = "en" if conversation.language == "en" else "fa"
    body = text or _template(session, conversation.workspace_id, locale)
    ticket = None
    if open_ticket:
        ticket = do_ticket_for(session=session, conversation=conversation, actor=actor)
        body = f"{body} {TICKET_NOTICE[locale].format(ref=reference(ticket))}"
    reply = do_reply(session=session, conversation=conversation, author=actor, text=body)
    conversation.status = "pending"
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action="conversation.invited_private", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor.id if actor else None)
    return Invitation(reply=reply, ticket=ticket)
