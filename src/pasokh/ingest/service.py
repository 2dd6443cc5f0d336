"""Ingest: store an inbound message exactly once, with its contact, conversation and triage."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.channels.service import get_channel
from pasokh.customers.models import Contact
from pasokh.customers.service import SenderIdentity, do_resolve_contact
from pasokh.db import utcnow
from pasokh.errors import Conflict, PayloadTooLarge
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.routing.service import do_route
from pasokh.types import PRIORITY_RANK

REPEAT_WINDOW = timedelta(days=7)


class TriageOutcome(Protocol):
    """The fields of a triage result that ingest stores (read-only)."""

    @property
    def category(self) -> str: ...
    @property
    def category_confidence(self) -> float: ...
    @property
    def sentiment(self) -> str: ...
    @property
    def sentiment_score(self) -> float: ...
    @property
    def priority(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def needs_review(self) -> bool: ...
    @property
    def model_version(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


class Triager(Protocol):
    """The triage engine as ingest sees it (pasokh.triage.engine.TriageEngine)."""

    def triage_message(self, text: str, *, workspace_id: int, channel: str, is_public: bool,
                       reach: int, is_vip: bool, waiting_seconds: float,
                       repeat_contacts: int) -> TriageOutcome: ...


@dataclass(frozen=True)
class InboundMessage:
    """One customer message as any channel adapter hands it over."""

    channel_key: str
    text: str
    sender: SenderIdentity
    provider_message_id: str | None = None
    is_public: bool = False
    reach: int = 0
    sent_at: datetime | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class Ingested:
    message: Message
    decision: TriageDecision | None
    created: bool


def fingerprint(inbound: InboundMessage) -> str:
    """What must match for a second delivery to count as the same message."""
    sender = inbound.sender
    canonical = json.dumps(
        [inbound.channel_key, inbound.text, sender.external_id, sender.phone, sender.email],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_text(text: str, *, max_chars: int) -> None:
    """Refuse a message longer than the workspace accepts, saying the limit."""
    if len(text) > max_chars:
        raise PayloadTooLarge(
            f"The message text is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Split it or shorten it."
        )


def find_delivered(*, session: Session, channel: Channel, provider_message_id: str,
                   fingerprint_: str) -> Message | None:
    """The message already stored under this provider id; Conflict if it differs."""
    message = session.scalar(
        select(Message).where(Message.channel_id == channel.id,
                              Message.provider_message_id == provider_message_id)
    )
    if message is not None and message.payload_hash not in (None, fingerprint_):
        raise Conflict(
            f"The id '{provider_message_id[:80]}' was already used for a different message on "
            "this channel; use a new id (or Idempotency-Key) for a new message."
        )
    return message


def _open_conversation(*, session: Session, channel: Channel, contact: Contact,
                       is_public: bool, subject: str, now: datetime) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.channel_id == channel.id,
            Conversation.contact_id == contact.id,
            Conversation.status != "resolved",
        )
    )
    if conversation is None:
        conversation = Conversation(
            workspace_id=channel.workspace_id, channel_id=channel.id, contact_id=contact.id,
            status="open", is_public=is_public, subject=subject[:300],
            first_message_at=now, last_message_at=now, message_count=0,
        )
        session.add(conversation)
        session.flush()
    return conversation


def _earlier_contacts(*, session: Session, contact: Contact, current: Conversation,
                      now: datetime) -> int:
    """Other conversations this customer opened in the last 7 days (repeat contact)."""
    return session.scalar(
        select(func.count(Conversation.id)).where(
            Conversation.contact_id == contact.id,
            Conversation.id != current.id,
            Conversation.created_at >= now - REPEAT_WINDOW,
        )
    ) or 0


def _apply_to_conversation(conversation: Conversation, decision: TriageDecision,
                           now: datetime) -> None:
    """Fold a new inbound message's triage into the conversation's queue position."""
    if conversation.waiting_since is None:
        conversation.waiting_since = now
        conversation.priority = decision.priority
    elif PRIORITY_RANK[decision.priority] < conversation.priority_rank:
        conversation.priority = decision.priority  # escalate, never silently de-escalate
    conversation.priority_rank = PRIORITY_RANK[conversation.priority]
    if decision.category != "other" or conversation.category is None:
        conversation.category = decision.category
    conversation.sentiment = decision.sentiment
    conversation.language = decision.language
    if conversation.status in ("pending", "snoozed"):
        conversation.status = "open"
        conversation.snoozed_until = None
    conversation.last_message_at = now
    conversation.message_count += 1


def do_ingest(
    *, session: Session, workspace_id: int, inbound: InboundMessage, triager: Triager,
    max_chars: int, now: datetime | None = None,
) -> Ingested:
    """Store `inbound` once: contact, conversation, message and triage decision.

    A second delivery with the same provider id returns the stored message unchanged.
    Runs in the caller's transaction: the caller commits before acknowledging.
    """
    check_text(inbound.text, max_chars=max_chars)
    now = now or utcnow()
    channel = get_channel(session=session, workspace_id=workspace_id, key=inbound.channel_key)
    digest = fingerprint(inbound)
    if inbound.provider_message_id:
        stored = find_delivered(session=session, channel=channel,
                                provider_message_id=inbound.provider_message_id,
                                fingerprint_=digest)
        if stored is not None:
            decision = session.scalar(
                select(TriageDecision).where(TriageDecision.message_id == stored.id))
            return Ingested(message=stored, decision=decision, created=False)

    contact = do_resolve_contact(session=session, workspace_id=workspace_id,
                                 channel_kind=channel.kind, sender=inbound.sender)
    conversation = _open_conversation(session=session, channel=channel, contact=contact,
                                      is_public=inbound.is_public, subject=inbound.text,
                                      now=now)
    waiting = (now - conversation.waiting_since).total_seconds() \
        if conversation.waiting_since else 0.0
    outcome = triager.triage_message(
        inbound.text, workspace_id=workspace_id, channel=channel.kind,
        is_public=inbound.is_public, reach=inbound.reach, is_vip=contact.is_vip,
        waiting_seconds=waiting,
        repeat_contacts=_earlier_contacts(session=session, contact=contact,
                                          current=conversation, now=now),
    )
    message = Message(
        workspace_id=workspace_id, conversation_id=conversation.id, channel_id=channel.id,
        direction="inbound", kind="message", sender_type="contact",
        sender_contact_id=contact.id, text=inbound.text, is_public=inbound.is_public,
        provider_message_id=inbound.provider_message_id, payload_hash=digest,
        reach=inbound.reach, sent_at=inbound.sent_at or now, created_at=now,
        meta=inbound.metadata or {},
    )
    session.add(message)
    session.flush()
    decision = TriageDecision(
        workspace_id=workspace_id, message_id=message.id, conversation_id=conversation.id,
        category=outcome.category, category_confidence=outcome.category_confidence,
        sentiment=outcome.sentiment, sentiment_score=outcome.sentiment_score,
        priority=outcome.priority, language=outcome.language, confidence=outcome.confidence,
        reasons=list(outcome.reasons), needs_review=outcome.needs_review,
        model_version=outcome.model_version, trace=outcome.as_dict().get("trace", []),
    )
    session.add(decision)
    _apply_to_conversation(conversation, decision, now)
    session.flush()
    do_route(session=session, conversation=conversation, decision=decision, now=now,
             text=inbound.text)
    return Ingested(message=message, decision=decision, created=True)
