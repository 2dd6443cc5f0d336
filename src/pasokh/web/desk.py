"""The agent desk pages: the inbox and one conversation with the customer's whole history."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh import i18n
from pasokh.channels.models import Channel
from pasokh.db import utcnow
from pasokh.errors import BadRequest, Forbidden, NotFound
from pasokh.inbox import desk
from pasokh.inbox import service as inbox
from pasokh.inbox.models import Conversation
from pasokh.inbox.routes import AGENTS, rendered_templates
from pasokh.inbox.schemas import ConversationRead
from pasokh.inbox.snooze_choices import snooze_choices
from pasokh.routing.config import read_calendar
from pasokh.routing.models import ConversationRouting
from pasokh.security import same
from pasokh.types import CATEGORIES, CONVERSATION_STATUSES, PRIORITIES, SENTIMENTS
from pasokh.users.models import User
from pasokh.web.auth import Principal, authenticate
from pasokh.web.pages import _context, templates
from pasokh.web.words import refusal
from pasokh.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _person(request: Request) -> Principal:
    principal = authenticate(request)
    if principal.user_id is None:
        raise refusal(Forbidden, "pages_need_person")
    return principal


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request, view: str = "all", status: str | None = "unresolved",
    channel: str | None = None, category: str | None = None, sentiment: str | None = None,
    priority: str | None = None, language: str | None = None, q: str | None = None,
    tag: str | None = None, cursor: str | None = None,
) -> Response:
    """Conversations most urgent first, with views, filters, search and counts."""
    principal = _person(request)
    assert principal.user_id is not None
    if view not in desk.VIEWS:
        raise BadRequest(f"Unknown view '{view[:20]}': use one of {', '.join(desk.VIEWS)}.",
                         fa=f"نمای «{view[:20]}» شناخته نیست؛ یکی از این‌ها را بگذارید: "
                         f"{'، '.join(desk.VIEWS)}.")
    chosen = {"status": _blank(status), "channel": _blank(channel),
              "category": _blank(category), "sentiment": _blank(sentiment),
              "priority": _blank(priority), "language": _blank(language), "q": _blank(q),
              "tag": _blank(tag)}
    base = inbox.ConversationFilter(
        status=None if chosen["status"] == "all" else chosen["status"],
        channel=chosen["channel"], category=chosen["category"], sentiment=chosen["sentiment"],
        priority=chosen["priority"], language=chosen["language"], q=chosen["q"],
        tag=chosen["tag"])
    filters = desk.in_view(base, view, principal.user_id)
    with request.app.state.db.read() as session:
        page = inbox.list_conversations(session=session, workspace_id=principal.workspace_id,
                                        filters=filters, limit=PAGE_SIZE, cursor=cursor)
        counts = desk.count_views(session=session, workspace_id=principal.workspace_id,
                                  user_id=principal.user_id, filters=base)
        triage = inbox.explaining_triage(session=session,
                                    conversation_ids=[c.id for c in page.items])
        routing = desk.routing_of(session=session,
                                  conversation_ids=[c.id for c in page.items])
        users = desk.user_names(session=session, workspace_id=principal.workspace_id)
        channels = session.execute(select(Channel.key, Channel.name).where(
            Channel.workspace_id == principal.workspace_id).order_by(Channel.key)).all()
        workspace_name = session.scalar(
            select(Workspace.name).where(Workspace.id == principal.workspace_id))
    query = {k: v for k, v in chosen.items() if v}

    def link(**changes: str | None) -> str:
        params = {"view": view, **query, **changes}
        return "/inbox?" + urlencode({k: v for k, v in params.items() if v})

    return templates.TemplateResponse(
        request, "inbox.html",
        _context(request, principal.locale, page=page, principal=principal, view=view,
                 views=desk.VIEWS, counts=counts, triage=triage, users=users,
                 sla=lambda c: _sla(c, routing.get(c.id), principal.locale),
                 tags=lambda c: routing[c.id].tags if c.id in routing else [],
                 channels=channels, chosen=chosen, link=link,
                 workspace_name=workspace_name, csrf=principal.csrf_token,
                 vocab=_vocabulary()),
    )


def _sla(c: ConversationRead, routing: ConversationRouting | None, locale: str
         ) -> tuple[str, bool] | None:
    """The SLA countdown of a row: (time left or overdue by, overdue?)."""
    due = desk.sla_due(c, routing)
    if due is None:
        return None
    left = (due - utcnow()).total_seconds()
    return i18n.format_duration(abs(left), locale), left < 0


def _vocabulary() -> dict[str, tuple[str, ...]]:
    return {"status": (*CONVERSATION_STATUSES, "unresolved", "all"), "category": CATEGORIES,
            "sentiment": SENTIMENTS, "priority": PRIORITIES, "language": ("fa", "en", "ar")}


def _channel_names(conversation: ConversationRead, card: desk.CustomerCard) -> dict[str, str]:
    """Channel key -> name for the messages on the page, from the conversations already read
    (a message merged in from elsewhere came from one of the customer's conversations)."""
    names = {p.conversation.channel: p.conversation.channel_name for p in card.past}
    return {**names, conversation.channel: conversation.channel_name}


def _snooze_options(session: Session, principal: Principal) -> list[tuple[str, str, str]]:
    """(UI word, ISO time, the time as the reader says it) for each offered snooze."""
    cal = read_calendar(session=session, workspace_id=principal.workspace_id)
    return [(choice.key, choice.until.isoformat(),
             i18n.format_moment(choice.until, principal.locale, cal.zone.key))
            for choice in snooze_choices(cal, utcnow())]


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(conversation_id: int, request: Request) -> Response:
    """One conversation: the whole thread, the customer card and the actions."""
    principal = _person(request)
    with request.app.state.db.read() as session:
        conversation = inbox.get_conversation(
            session=session, workspace_id=principal.workspace_id,
            conversation_id=conversation_id)
        messages = desk.thread(session=session, workspace_id=principal.workspace_id,
                               conversation_id=conversation_id)
        card = desk.customer_card(session=session, workspace_id=principal.workspace_id,
                                  contact_id=conversation.contact_id,
                                  exclude_conversation_id=conversation_id)
        users = desk.user_names(session=session, workspace_id=principal.workspace_id)
        decision = inbox.explaining_triage(session=session,
                                      conversation_ids=[conversation_id]).get(conversation_id)
        ticket_number = desk.ticket_number(session=session, conversation_id=conversation_id)
        row = session.get(Conversation, conversation_id)
        me = users.get(principal.user_id or 0)
        # A merged conversation is an empty shell pointing at the survivor: nothing to do here.
        can_act = (principal.role in AGENTS and row is not None and me is not None
                   and conversation.merged_into_id is None)
        reply_templates = rendered_templates(session, row, me) \
            if can_act and row is not None and me is not None else []
        snooze = _snooze_options(session, principal) if can_act else []
        workspace_name = session.scalar(
            select(Workspace.name).where(Workspace.id == principal.workspace_id))
    return templates.TemplateResponse(
        request, "conversation.html",
        _context(request, principal.locale, c=conversation, messages=messages, card=card,
                 users=users, decision=decision, principal=principal, can_act=can_act,
                 ticket_number=ticket_number,
                 channel_names=_channel_names(conversation, card), snooze=snooze,
                 reply_templates=reply_templates, workspace_name=workspace_name,
                 csrf=principal.csrf_token, vocab=_vocabulary(),
                 assignable=[u for u in users.values()
                             if u.is_active and u.role in AGENTS]),
    )


@router.post("/preferences/locale")
def set_locale(request: Request, csrf: Annotated[str, Form(max_length=128)],
               locale: Annotated[str, Form(max_length=8)],
               back: Annotated[str, Form(max_length=500)] = "/inbox") -> Response:
    """Switch the person's language (fa: right-to-left, Jalali; en: left-to-right)."""
    principal = _person(request)
    if not principal.csrf_token or not same(principal.csrf_token, csrf):
        raise refusal(Forbidden, "form_expired")
    if locale not in ("fa", "en"):
        raise BadRequest("Choose the language fa or en.", fa="زبان fa یا en را انتخاب کنید.")
    with request.app.state.db.write() as session:
        user = session.get(User, principal.user_id)
        if user is None:
            raise NotFound("Your account no longer exists.", fa="حساب شما دیگر وجود ندارد.")
        user.locale = locale
        session.commit()
    # Only a path on this site: never an open redirect.
    target = back if back.startswith("/") and not back.startswith("//") else "/inbox"
    return RedirectResponse(target, status_code=303)

