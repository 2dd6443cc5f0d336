"""The REST API: thin handlers over the domain services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy.exc import IntegrityError

from pasokh.customers.service import SenderIdentity
from pasokh.errors import BadRequest
from pasokh.inbox import service as inbox
from pasokh.inbox.schemas import ConversationPage, ConversationRead
from pasokh.ingest.schemas import MessageCreate, MessagePage, MessageRead
from pasokh.ingest.service import InboundMessage, do_ingest
from pasokh.pagination import check_limit
from pasokh.web.auth import PUSHERS, READERS, Principal, require

router = APIRouter(prefix="/api/v1", tags=["api"])
ATTEMPTS = 5

Reader = Annotated[Principal, Depends(require(*READERS))]
Pusher = Annotated[Principal, Depends(require(*PUSHERS))]


def _inbound(data: MessageCreate, idempotency_key: str | None) -> InboundMessage:
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
def post_message(
    data: MessageCreate, request: Request, response: Response, principal: Pusher,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> MessageRead:
    """Push a customer message in; it is stored and triaged before this answers."""
    app = request.app.state
    inbound = _inbound(data, idempotency_key)
    # Concurrent deliveries from one new customer race on the unique identity and
    # one-open-conversation constraints; the loser rolls back whole and tries again,
    # finding what the winner stored.
    for attempt in range(ATTEMPTS):
        try:
            with app.db.write() as session:
                result = do_ingest(session=session, workspace_id=principal.workspace_id,
                                   inbound=inbound,
                                   triager=app.triager,
                                   max_chars=app.settings.max_message_chars)
                read = inbox.message_read(result.message, data.channel, result.decision)
                session.commit()
            break
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    if result.created:
        app.events.publish(principal.workspace_id, "message.created",
                           {"message_id": read.id, "conversation_id": read.conversation_id})
    else:
        response.status_code = 200
    return read


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
    order: str = Query("queue", description="queue (most urgent first) or recent"),
    limit: int = 50, cursor: str | None = None,
) -> ConversationPage:
    """Conversations of the workspace, filtered, most urgent first by default."""
    assignee_id, unassigned = None, False
    if assignee == "me":
        if principal.user_id is None:
            raise BadRequest("assignee=me needs a token that belongs to a user.")
        assignee_id = principal.user_id
    elif assignee == "none":
        unassigned = True
    elif assignee is not None:
        if not assignee.isdigit():
            raise BadRequest("assignee must be a user id, 'me' or 'none'.")
        assignee_id = int(assignee)
    filters = inbox.ConversationFilter(
        status=None if status == "all" else status, channel=channel, priority=priority,
        category=category, sentiment=sentiment, language=language, assignee_id=assignee_id,
        unassigned=unassigned, contact_id=contact_id,
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
