"""What agents do to a conversation, over JSON: the workspace pages call these too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.errors import Forbidden, NotFound, Unprocessable
from pasokh.inbox import actions, desk
from pasokh.inbox import service as inbox
from pasokh.inbox.models import Conversation
from pasokh.inbox.schemas import (
    AssignmentUpdate,
    ConversationRead,
    MergeRequest,
    ReplyCreate,
    StatusUpdate,
    TemplateRead,
    TicketRef,
    TriageCorrection,
    TriageCorrectionRead,
)
from pasokh.ingest.schemas import MessageRead
from pasokh.replies.service import render_template, template_values
from pasokh.tickets.service import do_ticket_for, reference
from pasokh.users.models import User
from pasokh.web.auth import Principal, require

router = APIRouter(prefix="/api/v1/conversations", tags=["inbox"])

AGENTS = ("admin", "supervisor", "agent")
Agent = Annotated[Principal, Depends(require(*AGENTS))]


def _load(session: Session, principal: Principal, conversation_id: int
          ) -> tuple[Conversation, User]:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != principal.workspace_id:
        raise NotFound(f"There is no conversation {conversation_id} in this workspace.",
                       fa=f"گفت‌وگوی {conversation_id} در این فضای کاری نیست.")
    actor = session.get(User, principal.user_id) if principal.user_id is not None else None
    if actor is None:
        raise Forbidden("Only a person may do this: use a token that belongs to a user, or "
                        "log in.",
                        fa="این کار فقط از یک شخص برمی‌آید: توکنی که از آنِ کاربری است به کار "
                        "ببرید، یا وارد شوید.")
    return conversation, actor


def _publish(request: Request, principal: Principal, kind: str, data: dict[str, Any]) -> None:
    request.app.state.events.publish(principal.workspace_id, kind, data)


def _read(session: Session, principal: Principal, conversation_id: int) -> ConversationRead:
    return inbox.get_conversation(session=session, workspace_id=principal.workspace_id,
                                  conversation_id=conversation_id)


@router.post("/{conversation_id}/replies", response_model=MessageRead, status_code=201)
def post_reply(conversation_id: int, data: ReplyCreate, request: Request,
               principal: Agent) -> MessageRead:
    """Answer the customer on the conversation's channel (queued in the durable outbox)."""
    with request.app.state.db.write() as session:
        conversation, actor = _load(session, principal, conversation_id)
        if conversation.status == "resolved":  # answering a resolved conversation reopens it
            actions.do_set_status(session=session, conversation=conversation, status="open",
                                  actor=actor)
        message = actions.do_reply(session=session, conversation=conversation, author=actor,
                                   text=data.text)
        channel = session.get(Channel, conversation.channel_id)
        assert channel is not None
        read = inbox.message_read(message, channel.key, None)
        session.commit()
    _publish(request, principal, "message.created",
             {"message_id": read.id, "conversation_id": conversation_id})
    return read


@router.post("/{conversation_id}/notes", response_model=MessageRead, status_code=201)
def post_note(conversation_id: int, data: ReplyCreate, request: Request,
              principal: Agent) -> MessageRead:
    """Leave an internal note on the conversation; the customer never sees it."""
    with request.app.state.db.write() as session:
        conversation, actor = _load(session, principal, conversation_id)
        message = actions.do_note(session=session, conversation=conversation, author=actor,
                                  text=data.text)
        mentioned = [u.id for u in actions.mentioned_users(
            session=session, workspace_id=principal.workspace_id, text=data.text)
            if u.id != actor.id]
        channel = session.get(Channel, conversation.channel_id)
        assert channel is not None
        read = inbox.message_read(message, channel.key, None)
        session.commit()
    _publish(request, principal, "message.created",
             {"message_id": read.id, "conversation_id": conversation_id})
    if mentioned:
        _publish(request, principal, "mention",
                 {"conversation_id": conversation_id, "user_ids": mentioned,
                  "by": actor.name})
    return read


@router.put("/{conversation_id}/assignee", response_model=ConversationRead)
def put_assignee(conversation_id: int, data: AssignmentUpdate, request: Request,
                 principal: Agent) -> ConversationRead:
    """Assign or reassign the conversation (null: back to the unassigned queue)."""
    with request.app.state.db.write() as session:
        conversation, actor = _load(session, principal, conversation_id)
        assignee = session.get(User, data.assignee_id) if data.assignee_id is not None else None
        if assignee is not None and assignee.workspace_id != principal.workspace_id:
            assignee = None  # another brand's agent: as unknown here as a missing one
        if data.assignee_id is not None and assignee is None:
            raise Unprocessable(f"There is no user {data.assignee_id} in this workspace.",
                                fa=f"کاربر {data.assignee_id} در این فضای کاری نیست.")
        actions.do_assign(session=session, conversation=conversation, assignee=assignee,
                          actor=actor)
        session.commit()
        read = _read(session, principal, conversation_id)
    _publish(request, principal, "conversation.updated",
             {"conversation_id": conversation_id, "change": "assignee"})
    return read


@router.put("/{conversation_id}/status", response_model=ConversationRead)
def put_status(conversation_id: int, data: StatusUpdate, request: Request,
               principal: Agent) -> ConversationRead:
    """Resolve, reopen, park (pending) or snooze the conversation."""
    with request.app.state.db.write() as session:
        conversation, actor = _load(session, principal, conversation_id)
        if data.status == "snoozed":
            if data.snoozed_until is None:
                raise Unprocessable("Say until when to snooze: send snoozed_until.",
                                    fa="بگویید تا کی به تعویق بیفتد: snoozed_until را "
                                    "بفرستید.")
            actions.do_snooze(session=session, conversation=conversation,
                              until=data.snoozed_until, actor=actor)
        else:
            actions.do_set_status(session=session, conversation=conversation,
                                  status=data.status, actor=actor)
        session.commit()
        read = _read(session, principal, conversation_id)
    _publish(request, principal, "conversation.updated",
             {"conversation_id": conversation_id, "change": "status"})
    return read


@router.put("/{conversation_id}/triage", response_model=TriageCorrectionRead)
def put_triage(conversation_id: int, data: TriageCorrection, request: Request,
               principal: Agent) -> TriageCorrectionRead:
    """Correct the machine's category or priority; kept beside its decision for retraining."""
    with request.app.state.db.write() as session:
        conversation, actor = _load(session, principal, conversation_id)
        decision = actions.do_correct_triage(session=session, conversation=conversation,
                                             actor=actor, category=data.category,
                                             priority=data.priority)
        read = TriageCorrectionRead(
            decision_id=decision.id, category=decision.category, priority=decision.priority,
            corrected_category=decision.corrected_category,
            corrected_priority=decision.corrected_priority,
            corrected_by_id=decision.corrected_by_id, corrected_at=decision.corrected_at)
        session.commit()
    _publish(request, principal, "conversation.updated",
             {"conversation_id": conversation_id, "change": "triage"})
    return read


@router.post("/{conversation_id}/ticket", response_model=TicketRef)
def post_ticket(conversation_id: int, request: Request, principal: Agent) -> TicketRef:
    """Convert the conversation to a ticket (or return the open ticket it already has)."""
    with request.app.state.db.write() as session:
        conversation, actor = _load(session, principal, conversation_id)
        ticket = do_ticket_for(session=session, conversation=conversation, actor=actor)
        read = TicketRef(ticket_id=ticket.id, number=ticket.number, reference=reference(ticket))
        session.commit()
    _publish(request, principal, "conversation.updated",
             {"conversation_id": conversation_id, "change": "ticket"})
    return read


@router.post("/{conversation_id}/merge", response_model=ConversationRead)
def post_merge(conversation_id: int, data: MergeRequest, request: Request,
               principal: Agent) -> ConversationRead:
    """Merge this conversation into another of the same customer; answers the merged one."""
    with request.app.state.db.write() as session:
        source, actor = _load(session, principal, conversation_id)
        target, _ = _load(session, principal, data.into_id)
        actions.do_merge(session=session, source=source, target=target, actor=actor)
        session.commit()
        read = _read(session, principal, data.into_id)
    for cid in (conversation_id, data.into_id):
        _publish(request, principal, "conversation.updated",
                 {"conversation_id": cid, "change": "merge"})
    return read


@router.get("/{conversation_id}/templates", response_model=list[TemplateRead])
def get_templates(conversation_id: int, request: Request, principal: Agent
                  ) -> list[TemplateRead]:
    """Reply templates filled in for this conversation, the fitting ones first."""
    with request.app.state.db.read() as session:
        conversation, actor = _load(session, principal, conversation_id)
        return rendered_templates(session, conversation, actor)


def rendered_templates(session: Session, conversation: Conversation, agent: User
                       ) -> list[TemplateRead]:
    """The workspace's templates with this conversation's values substituted."""
    contact = session.get(Contact, conversation.contact_id)
    values = template_values(
        customer_name=contact.display_name if contact else "", agent_name=agent.name,
        conversation_id=conversation.id,
        ticket_number=desk.ticket_number(session=session, conversation_id=conversation.id))
    return [TemplateRead(id=t.id, name=t.name, locale=t.locale, category=t.category,
                         suggested=t.category is not None and t.category == conversation.category,
                         text=render_template(t.body, values))
            for t in desk.templates_for(session=session, workspace_id=conversation.workspace_id,
                                        category=conversation.category,
                                        language=conversation.language)]
