"""Ingest one message inside the caller's session (seeding, tests, CLI).

The API path stores messages in batches through `ingest.writer`; both go through
`batch.do_ingest_many`, so there is one definition of what storing a message means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.customers.models import Contact
from pasokh.db import utcnow
from pasokh.errors import PasokhError
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.ingest.batch import (
    REPEAT_WINDOW,
    Delivery,
    InboundMessage,
    check_text,
    do_ingest_many,
    fingerprint,
)
from pasokh.ingest.protocols import TriageOutcome, Triager
from pasokh.routing.service import do_route

__all__ = ["REPEAT_WINDOW", "InboundMessage", "Ingested", "TriageOutcome", "Triager",
           "check_text", "do_ingest", "fingerprint"]


@dataclass(frozen=True)
class Ingested:
    message: Message
    decision: TriageDecision | None
    created: bool


def do_ingest(
    *, session: Session, workspace_id: int, inbound: InboundMessage, triager: Triager,
    max_chars: int, now: datetime | None = None, route: str = "inline",
) -> Ingested:
    """Store `inbound` once: contact, conversation, message and triage decision.

    A second delivery with the same provider id returns the stored message unchanged.
    `route="inline"` routes the conversation in this transaction (as of `now`);
    `route="job"` queues a route job instead, as the API does. Runs in the caller's
    transaction: the caller commits before acknowledging.
    """
    if route not in ("inline", "job"):
        raise ValueError("route must be 'inline' or 'job'")
    delivery = Delivery(workspace_id=workspace_id, inbound=inbound,
                        received_at=now or utcnow())
    [result] = do_ingest_many(session=session, deliveries=[delivery], triager=triager,
                              max_chars=max_chars, route_jobs=route == "job")
    if isinstance(result, PasokhError):
        raise result
    # Core statements bypassed the identity map: reload what the caller may hold.
    for model, key in ((Conversation, result.conversation_id), (Contact, result.contact_id)):
        held = session.identity_map.get(session.identity_key(model, key))
        if held is not None:
            session.refresh(held)
    message = session.get_one(Message, result.message_id)
    decision = session.scalar(
        select(TriageDecision).where(TriageDecision.message_id == result.message_id))
    if result.created and route == "inline":
        conversation = session.get_one(Conversation, result.conversation_id)
        do_route(session=session, conversation=conversation, decision=decision,
                 now=delivery.received_at, text=inbound.text)
    return Ingested(message=message, decision=decision, created=result.created)
