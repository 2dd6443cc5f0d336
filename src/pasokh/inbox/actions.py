"""What agents do to a conversation: reply, note, assign, correct, resolve, snooze.

Each flushes; the caller commits (and publishes live events after the commit).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from pasokh.analytics.facts import refresh_conversations
from pasokh.audit.service import do_audit
from pasokh.db import utcnow
from pasokh.errors import Conflict, Unprocessable
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.inbox.service import explaining_triage
from pasokh.jobs.service import do_enqueue
from pasokh.tickets.models import TicketConversation
from pasokh.types import CATEGORIES, PRIORITIES, PRIORITY_RANK
from pasokh.users.models import User

MAX_REPLY_CHARS = 10_000


def _check_body(text: str) -> str:
    body = text.strip()
    if not body:
        raise Unprocessable("The reply is empty.", fa="پاسخ خالی است.")
    if len(body) > MAX_REPLY_CHARS:
        raise Unprocessable(f"The reply is {len(body):,} characters; the limit is "
                            f"{MAX_REPLY_CHARS:,}.",
                            fa=f"پاسخ {len(body):,} نویسه است و سقف آن {MAX_REPLY_CHARS:,}.")
    return body


def do_reply(*, session: Session, conversation: Conversation, author: User | None, text: str,
             at: datetime | None = None, deliver: bool = True, by_bot: bool = False) -> Message:
    """Answer the customer on the conversation's channel, through the durable outbox.

    `deliver=False` records a reply that was already sent elsewhere (imports, demo).
    """
    check_not_merged(conversation=conversation)
    at = at or utcnow()
    message = Message(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        channel_id=conversation.channel_id, direction="outbound", kind="message",
        sender_type="bot" if by_bot else "agent",
        sender_user_id=author.id if author else None, text=_check_body(text),
        is_public=conversation.is_public, sent_at=at, created_at=at,
    )
    session.add(message)
    session.flush()
    if conversation.first_response_at is None and not by_bot:
        conversation.first_response_at = at
    conversation.waiting_since = None
    conversation.last_message_at = at
    conversation.message_count += 1
    refresh_conversations(session, [conversation.id])  # dashboard facts: replies, turns
    if deliver:
        do_enqueue(session=session, workspace_id=conversation.workspace_id, kind="send_reply",
                   payload={"message_id": message.id}, dedupe_key=f"send_reply:{message.id}")
    do_audit(session=session, workspace_id=conversation.workspace_id, action="message.replied",
             target_type="conversation", target_id=conversation.id,
             actor_user_id=author.id if author else None)
    return message


def do_note(*, session: Session, conversation: Conversation, author: User, text: str,
            at: datetime | None = None) -> Message:
    """Leave an internal note that the customer never sees."""
    at = at or utcnow()
    message = Message(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        channel_id=conversation.channel_id, direction="outbound", kind="note",
        sender_type="agent", sender_user_id=author.id, text=_check_body(text),
        is_public=False, sent_at=at, created_at=at,
    )
    session.add(message)
    session.flush()
    return message


FILL_CAPACITY = "fill_capacity"


def _freed(session: Session, workspace_id: int, agent_id: int | None,
           at: datetime | None = None) -> None:
    """An agent has room again: after the commit, routing gives them the next in line."""
    if agent_id is not None:
        do_enqueue(session=session, workspace_id=workspace_id, kind=FILL_CAPACITY,
                   payload={"workspace_id": workspace_id, "agent_id": agent_id},
                   run_after=at)


def do_set_status(*, session: Session, conversation: Conversation, status: str,
                  actor: User | None, at: datetime | None = None) -> Conversation:
    """Resolve, reopen or park a conversation."""
    if status not in ("open", "pending", "resolved"):
        raise Unprocessable(f"Unknown status '{status[:20]}': use open, pending or resolved.",
                            fa=f"وضعیت «{status[:20]}» شناخته نیست؛ open، pending یا resolved "
                            "را بگذارید.")
    at = at or utcnow()
    if conversation.status == "resolved" and status != "resolved":
        check_can_reopen(session=session, conversation=conversation)
    if status == "resolved" and conversation.status != "resolved":
        _freed(session, conversation.workspace_id, conversation.assignee_id, at)
    conversation.status = status
    conversation.snoozed_until = None
    conversation.resolved_at = at if status == "resolved" else None
    if status == "resolved":
        conversation.waiting_since = None
        # Messages a caller stored without the ingest hook still count from here on.
        refresh_conversations(session, [conversation.id])
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action=f"conversation.{status}", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor.id if actor else None)
    return conversation


def check_can_reopen(*, session: Session, conversation: Conversation,
                     closing: Conversation | None = None) -> None:
    """Refuse to reopen a merged conversation, or when the customer already has a newer
    open conversation there (other than `closing`, which a merge is about to close)."""
    check_not_merged(conversation=conversation)
    ignored = [conversation.id] if closing is None else [conversation.id, closing.id]
    other = session.scalar(select(Conversation.id).where(
        Conversation.channel_id == conversation.channel_id,
        Conversation.contact_id == conversation.contact_id,
        Conversation.status != "resolved", Conversation.id.not_in(ignored)))
    if other is not None:
        raise Conflict(f"This customer already has an open conversation ({other}) on this "
                       "channel; continue there instead of reopening this one.",
                       fa=f"این مشتری در همین کانال گفت‌وگوی بازی دارد ({other})؛ به جای باز "
                       "کردن دوبارهٔ این یکی، همان‌جا ادامه دهید.",
                       details={"conversation_id": other})


def do_snooze(*, session: Session, conversation: Conversation, until: datetime,
              actor: User | None, at: datetime | None = None) -> Conversation:
    """Park a conversation until a time; it stays in the unresolved views."""
    at = at or utcnow()
    if until.tzinfo is None:
        raise Unprocessable("The snooze time needs a time zone, e.g. 2026-11-24T10:00:00+03:30.",
                            fa="زمان تعویق باید منطقهٔ زمانی داشته باشد، مانند "
                            "2026-11-24T10:00:00+03:30.")
    if until <= at:
        raise Unprocessable("The snooze time is in the past; pick a later time.",
                            fa="زمان تعویق گذشته است؛ زمان دیرتری انتخاب کنید.")
    if conversation.status == "resolved":
        check_can_reopen(session=session, conversation=conversation)
    conversation.status = "snoozed"
    conversation.snoozed_until = until
    conversation.resolved_at = None
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action="conversation.snoozed", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor.id if actor else None)
    return conversation


def do_assign(*, session: Session, conversation: Conversation, assignee: User | None,
              actor: User | None) -> Conversation:
    """Give the conversation to a colleague of the same workspace, or to nobody."""
    if assignee is not None:
        if assignee.workspace_id != conversation.workspace_id or not assignee.is_active:
            raise Unprocessable("That person is not an active member of this workspace.",
                                fa="این شخص عضو فعال این فضای کاری نیست.")
        if assignee.role == "analyst":
            raise Unprocessable("Analysts do not answer customers; pick an agent, a supervisor "
                                "or an admin.",
                                fa="تحلیلگر به مشتری پاسخ نمی‌دهد؛ کارشناس، سرپرست یا مدیر "
                                "را انتخاب کنید.")
    previous = conversation.assignee_id
    conversation.assignee_id = assignee.id if assignee else None
    if previous != conversation.assignee_id and conversation.status != "resolved":
        _freed(session, conversation.workspace_id, previous)
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action="conversation.assigned" if assignee else "conversation.unassigned",
             target_type="conversation", target_id=conversation.id,
             actor_user_id=actor.id if actor else None)
    return conversation


def do_correct_triage(*, session: Session, conversation: Conversation, actor: User,
                      category: str | None = None, priority: str | None = None,
                      at: datetime | None = None) -> TriageDecision:
    """Record an agent's correction on the decision that explains the conversation's
    priority (`explaining_triage`) and apply it to the queue.

    The decision keeps what the model said; the correction is stored beside it, who made
    it and when, so it can feed retraining and the supervisor's audit.
    """
    if category is None and priority is None:
        raise Unprocessable("Send a category or a priority to correct.",
                            fa="دسته یا اولویتی را برای اصلاح بفرستید.")
    if category is not None and category not in CATEGORIES:
        raise Unprocessable(f"Unknown category '{category[:32]}': use one of "
                            f"{', '.join(CATEGORIES)}.",
                            fa=f"دستهٔ «{category[:32]}» شناخته نیست؛ یکی از این‌ها را "
                            f"بگذارید: {'، '.join(CATEGORIES)}.")
    if priority is not None and priority not in PRIORITIES:
        raise Unprocessable(f"Unknown priority '{priority[:32]}': use one of "
                            f"{', '.join(PRIORITIES)}.",
                            fa=f"اولویت «{priority[:32]}» شناخته نیست؛ یکی از این‌ها را "
                            f"بگذارید: {'، '.join(PRIORITIES)}.")
    # The message that earned the conversation its priority (an urgent complaint, not the
    # "[photo]" after it): the correction labels that message for retraining.
    decision = explaining_triage(session=session,
                                 conversation_ids=[conversation.id]).get(conversation.id)
    if decision is None:
        raise Unprocessable("This conversation has no triage decision to correct.",
                            fa="این گفت‌وگو تصمیم تریاژی ندارد که اصلاح شود.")
    at = at or utcnow()
    if category is not None:
        decision.corrected_category = category
        conversation.category = category
    if priority is not None:
        decision.corrected_priority = priority
        conversation.priority = priority
        conversation.priority_rank = PRIORITY_RANK[priority]
    decision.corrected_by_id = actor.id
    decision.corrected_at = at
    session.flush()
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action="triage.corrected", target_type="triage_decision", target_id=decision.id,
             actor_user_id=actor.id)
    return decision


def check_not_merged(*, conversation: Conversation) -> None:
    """Refuse to work on a conversation that was merged into another: it lives there now."""
    into = conversation.merged_into_id
    if into is not None:
        raise Unprocessable(f"This conversation was merged into conversation {into}; "
                            "continue there.",
                            fa=f"این گفت‌وگو در گفت‌وگوی {into} ادغام شده است؛ همان‌جا ادامه "
                            "دهید.", details={"merged_into_id": into})


def check_can_merge(*, source: Conversation, target: Conversation) -> None:
    """Refuse a merge that is not two live conversations of one customer."""
    if source.merged_into_id is not None:
        into = source.merged_into_id
        raise Unprocessable(f"Conversation {source.id} was already merged into conversation "
                            f"{into}; there is nothing left in it to merge.",
                            fa=f"گفت‌وگوی {source.id} پیش‌تر در گفت‌وگوی {into} ادغام شده "
                            "است؛ چیزی در آن نمانده که ادغام شود.",
                            details={"merged_into_id": into})
    if target.merged_into_id is not None:
        into = target.merged_into_id
        raise Unprocessable(f"Conversation {target.id} was merged into conversation {into}; "
                            f"merge into {into} instead.",
                            fa=f"گفت‌وگوی {target.id} در گفت‌وگوی {into} ادغام شده است؛ در "
                            f"گفت‌وگوی {into} ادغام کنید.", details={"merged_into_id": into})
    if source.id == target.id:
        raise Unprocessable("A conversation cannot be merged into itself.",
                            fa="گفت‌وگو را نمی‌توان در خودش ادغام کرد.")
    if source.workspace_id != target.workspace_id or source.contact_id != target.contact_id:
        raise Unprocessable("Only two conversations of the same customer can be merged.",
                            fa="فقط دو گفت‌وگوی یک مشتری را می‌توان ادغام کرد.")


def _earliest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def do_merge(*, session: Session, source: Conversation, target: Conversation,
             actor: User | None, at: datetime | None = None) -> Conversation:
    """Move every message of `source` into `target` (same customer) and close `source`.

    `source` stays behind, resolved and empty, with `merged_into_id` saying where it went:
    no metric counts it, and a second merge of it is refused.
    """
    check_can_merge(source=source, target=target)
    still_open = source.status != "resolved"
    # The customer's open thread must not vanish into a closed one: the survivor opens again.
    reopens = still_open and target.status == "resolved"
    if reopens:
        check_can_reopen(session=session, conversation=target, closing=source)
    for model in (Message, TriageDecision):
        session.execute(update(model).where(model.conversation_id == source.id)
                        .values(conversation_id=target.id))
    # Its tickets now gather the survivor (once, if a ticket already had both).
    tc = TicketConversation
    session.execute(update(tc).where(
        tc.conversation_id == source.id,
        tc.ticket_id.not_in(select(tc.ticket_id).where(tc.conversation_id == target.id))
    ).values(conversation_id=target.id))
    session.execute(delete(tc).where(tc.conversation_id == source.id))
    # Conversations merged into `source` earlier now point at where their messages are.
    session.execute(update(Conversation).where(Conversation.merged_into_id == source.id)
                    .values(merged_into_id=target.id))
    target.message_count += source.message_count
    target.first_message_at = min(target.first_message_at, source.first_message_at)
    target.last_message_at = max(target.last_message_at, source.last_message_at)
    # The merged timeline's first human reply is the earlier of the two.
    target.first_response_at = _earliest(target.first_response_at, source.first_response_at)
    if PRIORITY_RANK[source.priority] < target.priority_rank:
        target.priority, target.priority_rank = source.priority, PRIORITY_RANK[source.priority]
    source.message_count = 0
    if still_open:
        _freed(session, source.workspace_id, source.assignee_id)
    source.status, source.resolved_at, source.waiting_since = "resolved", at or utcnow(), None
    source.snoozed_until = None
    source.merged_into_id = target.id
    details: dict[str, object] = {"merged": source.id}
    if reopens:
        session.flush()  # the shell first: one open conversation per channel and customer
        target.status, target.resolved_at, details["reopened"] = "open", None, True
    # Waiting since the customer's oldest message after the last reply of the merged
    # timeline: a reply in either thread answers what came before it in both.
    target.waiting_since = None if target.status == "resolved" else \
        unanswered_since(session, target.id)
    refresh_conversations(session, [source.id, target.id])  # their timelines moved
    do_audit(session=session, workspace_id=target.workspace_id, action="conversation.merged",
             target_type="conversation", target_id=target.id,
             actor_user_id=actor.id if actor else None, details=details)
    return target


def unanswered_since(session: Session, conversation_id: int) -> datetime | None:
    """When the oldest customer message after the conversation's last reply (by an agent or
    the bot) arrived; None when every message has been answered."""
    m = Message
    replied = select(func.max(m.created_at)).where(
        m.conversation_id == conversation_id, m.direction == "outbound", m.kind == "message"
    ).scalar_subquery()
    return session.scalar(select(func.min(m.created_at)).where(
        m.conversation_id == conversation_id, m.direction == "inbound",
        or_(replied.is_(None), m.created_at > replied)))


_MENTION = re.compile(r"@([\w.\-\u200c]+)")


def mentioned_users(*, session: Session, workspace_id: int, text: str) -> list[User]:
    """Colleagues named in a note as @sara (e-mail name) or @سارا (first name)."""
    handles = {h.lower().rstrip(".") for h in _MENTION.findall(text)}
    if not handles:
        return []
    people = session.scalars(select(User).where(User.workspace_id == workspace_id,
                                                User.is_active.is_(True))).all()
    return [u for u in people
            if u.email.split("@", 1)[0].lower() in handles
            or (u.name.split() or [""])[0].lower() in handles]
