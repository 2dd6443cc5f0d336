"""What agents do to a conversation: reply, note, resolve. Each flushes; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.db import utcnow
from pasokh.errors import Unprocessable
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.service import do_enqueue
from pasokh.users.models import User

MAX_REPLY_CHARS = 10_000


def _check_body(text: str) -> str:
    body = text.strip()
    if not body:
        raise Unprocessable("The reply is empty.")
    if len(body) > MAX_REPLY_CHARS:
        raise Unprocessable(f"The reply is {len(body):,} characters; the limit is "
                            f"{MAX_REPLY_CHARS:,}.")
    return body


def do_reply(*, session: Session, conversation: Conversation, author: User | None, text: str,
             at: datetime | None = None, deliver: bool = True, by_bot: bool = False) -> Message:
    """Answer the customer on the conversation's channel, through the durable outbox.

    `deliver=False` records a reply that was already sent elsewhere (imports, demo).
    """
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


def do_set_status(*, session: Session, conversation: Conversation, status: str,
                  actor: User | None, at: datetime | None = None) -> Conversation:
    """Resolve, reopen or park a conversation."""
    if status not in ("open", "pending", "resolved"):
        raise Unprocessable(f"Unknown status '{status[:20]}': use open, pending or resolved.")
    at = at or utcnow()
    conversation.status = status
    conversation.resolved_at = at if status == "resolved" else None
    if status == "resolved":
        conversation.waiting_since = None
    do_audit(session=session, workspace_id=conversation.workspace_id,
             action=f"conversation.{status}", target_type="conversation",
             target_id=conversation.id, actor_user_id=actor.id if actor else None)
    return conversation
