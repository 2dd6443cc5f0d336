"""The REST API: thin handlers over the domain services."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from pasokh.customers.service import SenderIdentity
from pasokh.errors import BadRequest, PasokhError, ServiceUnavailable
from pasokh.inbox import service as inbox
from pasokh.inbox.schemas import ConversationPage, ConversationRead
from pasokh.ingest.batch import InboundMessage, Stored, check_text
from pasokh.ingest.schemas import MessageCreate, MessagePage, MessageRead, TriageRead
from pasokh.pagination import check_limit
from pasokh.web.auth import PUSHERS, READERS, Principal, require, require_fast

router = APIRouter(prefix="/api/v1", tags=["api"])
STORE_TIMEOUT = 30.0  # seconds a request waits for its message to be committed

Reader = Annotated[Principal, Depends(require(*READERS))]
Pusher = Annotated[Principal, Depends(require_fast(*PUSHERS))]


def inbound_of(data: MessageCreate, idempotency_key: str | None) -> InboundMessage:
    provider_id = data.provider_message_id
    if provider_id is None and idempotency_key:
        provider_id = "idem:" + idempotency_key
    s = data.sender
    return InboundMessage(
        channel_key=data.channel, text=data.text,
        sender=SenderIdentity(external_id=s.external_id, name=s.name, phone=s.phone,
                              email=s.email),
        provider_message_id=provider_id, is_public=data.is_public, reach=data.reach,
        sent_at=data.sent_at, metadata=data.metadata,
    )


@router.post("/messages", response_model=MessageRead, status_code=201,
             responses={200: {"description": "A retry: the message was already stored."}})
async def post_message(
    data: MessageCreate, request: Request, response: Response, principal: Pusher,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> MessageRead | Response:
    """Push a customer message in; it is stored and triaged before this answers."""
    app = request.app.state
    inbound = inbound_of(data, idempotency_key)
    check_text(inbound.text, max_chars=app.settings.max_message_chars)
    future = app.ingest.submit(principal.workspace_id, inbound)
    try:
        result = await asyncio.wait_for(asyncio.wrap_future(future), STORE_TIMEOUT)
    except TimeoutError as error:
        raise ServiceUnavailable(
            "Storing the message is taking too long; retry with the same "
            "provider_message_id or Idempotency-Key (a retry is never stored twice).",
            fa="ذخیرهٔ پیام بیش از حد طول کشید؛ با همان provider_message_id یا "
            "Idempotency-Key دوباره بفرستید (پیام تکراری دو بار ذخیره نمی‌شود)."
        ) from error
    if isinstance(result, PasokhError):
        raise result
    if result.created:
        # Built from what was just stored: no query, and no second validation pass.
        return Response(stored_read(result, inbound).model_dump_json(), status_code=201,
                        media_type="application/json")
    response.status_code = 200
    return await run_in_threadpool(_read_message, request, principal, result.message_id)


def stored_read(stored: Stored, inbound: InboundMessage) -> MessageRead:
    """The API view of a message this request just stored (no query needed)."""
    o = stored.outcome
    triage = None if o is None else TriageRead(
        category=o.category, category_confidence=o.category_confidence,
        sentiment=o.sentiment, sentiment_score=o.sentiment_score, priority=o.priority,
        language=o.language, confidence=o.confidence, reasons=list(o.reasons),
        needs_review=o.needs_review, model_version=o.model_version)
    return MessageRead(
        id=stored.message_id, conversation_id=stored.conversation_id,
        contact_id=stored.contact_id, channel=stored.channel_key, direction="inbound",
        kind="message", sender_type="contact", text=inbound.text,
        is_public=inbound.is_public, provider_message_id=inbound.provider_message_id,
        sent_at=stored.sent_at, created_at=stored.created_at, triage=triage)


def _read_message(request: Request, principal: Principal, message_id: int) -> MessageRead:
    with request.app.state.db.read() as session:
        return inbox.get_message(session=session, workspace_id=principal.workspace_id,
                                 message_id=message_id)


@router.get("/messages/{message_id}", response_model=MessageRead)
def get_message(message_id: int, request: Request, principal: Reader) -> MessageRead:
    """One message with its triage."""
    with request.app.state.db.read() as session:
        return inbox.get_message(session=session, workspace_id=principal.workspace_id,
                                 message_id=message_id)


@router.get("/conversations", response_model=ConversationPage)
def list_conversations(
    request: Request, principal: Reader,
    status: str | None = Query("unresolved", description="open, pending, snoozed, resolved, "
                               "unresolved (the first three) or all"),
    channel: str | None = None, priority: str | None = None, category: str | None = None,
    sentiment: str | None = None, language: str | None = None,
    assignee: str | None = Query(None, description="a user id, 'me' or 'none'"),
    contact_id: int | None = None,
    needs_review: bool = Query(False, description="only conversations with a message the "
                               "model was unsure of that nobody has corrected yet"),
    order: str = Query("queue", description="queue (most urgent first) or recent"),
    limit: int = 50, cursor: str | None = None,
) -> ConversationPage:
    """Conversations of the workspace, filtered, most urgent first by default."""
    assignee_id, unassigned = None, False
    if assignee == "me":
        if principal.user_id is None:
            raise BadRequest("assignee=me needs a token that belongs to a user.",
                             fa="assignee=me به توکنی نیاز دارد که از آنِ یک کاربر باشد.")
        assignee_id = principal.user_id
    elif assignee == "none":
        unassigned = True
    elif assignee is not None:
        if not assignee.isdigit():
            raise BadRequest("assignee must be a user id, 'me' or 'none'.",
                             fa="assignee باید شناسهٔ کاربر، 'me' یا 'none' باشد.")
        assignee_id = int(assignee)
    filters = inbox.ConversationFilter(
        status=None if status == "all" else status, channel=channel, priority=priority,
        category=category, sentiment=sentiment, language=language, assignee_id=assignee_id,
        unassigned=unassigned, contact_id=contact_id, needs_review=needs_review,
    )
    with request.app.state.db.read() as session:
        return inbox.list_conversations(session=session, workspace_id=principal.workspace_id,
                                        filters=filters, order=order, limit=check_limit(limit),
                                        cursor=cursor)


@router.get("/conversations/{conversation_id}", response_model=ConversationRead)
def get_conversation(conversation_id: int, request: Request, principal: Reader
                     ) -> ConversationRead:
    """One conversation."""
    with request.app.state.db.read() as session:
        return inbox.get_conversation(session=session, workspace_id=principal.workspace_id,
                                      conversation_id=conversation_id)


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePage)
def list_messages(conversation_id: int, request: Request, principal: Reader,
                  limit: int = 50, cursor: str | None = None) -> MessagePage:
    """A conversation's messages, oldest first."""
    with request.app.state.db.read() as session:
        return inbox.list_messages(session=session, workspace_id=principal.workspace_id,
                                   conversation_id=conversation_id, limit=check_limit(limit),
                                   cursor=cursor)
