"""REST API for routing, teams, SLA and tickets: thin handlers over the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.db import utcnow
from pasokh.errors import Forbidden, NotFound
from pasokh.inbox.models import Conversation
from pasokh.routing import config, service
from pasokh.routing import schemas as s
from pasokh.routing.models import (
    AgentProfile,
    CalendarHoliday,
    ConversationRouting,
    RoutingDecision,
    RoutingRule,
)
from pasokh.tickets import service as tickets
from pasokh.tickets.models import Ticket
from pasokh.types import PRIORITIES
from pasokh.users.models import Team, TeamMember, User
from pasokh.web.auth import READERS, Principal, require

router = APIRouter(prefix="/api/v1", tags=["routing"])

EDITORS = ("admin", "supervisor")
Reader = Annotated[Principal, Depends(require(*READERS))]
Editor = Annotated[Principal, Depends(require(*EDITORS))]
Staff = Annotated[Principal, Depends(require("admin", "supervisor", "agent"))]


def _conversation(session: Session, principal: Principal, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != principal.workspace_id:
        raise NotFound(f"Conversation {conversation_id} does not exist in this workspace.",
                       fa=f"گفت‌وگوی {conversation_id} در این فضای کاری نیست.")
    return conversation


def _actor(session: Session, principal: Principal) -> User | None:
    return session.get(User, principal.user_id) if principal.user_id else None


# --- routing rules ---------------------------------------------------------------------

@router.get("/routing/rules", response_model=s.RuleList)
def list_rules(request: Request, principal: Reader) -> s.RuleList:
    """The workspace's routing rules in the order they are tried (defaults last)."""
    with request.app.state.db.read() as session:
        rows = session.scalars(select(RoutingRule)
                               .where(RoutingRule.workspace_id == principal.workspace_id)
                               .order_by(RoutingRule.is_default, RoutingRule.position,
                                         RoutingRule.id))
        return s.RuleList(items=[s.RuleRead.model_validate(r) for r in rows])


@router.post("/routing/rules", response_model=s.RuleRead, status_code=201)
def create_rule(data: s.RuleCreate, request: Request, principal: Editor) -> s.RuleRead:
    """Add a routing rule."""
    with request.app.state.db.write() as session:
        rule = config.do_save_rule(session=session, workspace_id=principal.workspace_id,
                                   rule=None, data=data)
        read = s.RuleRead.model_validate(rule)
        session.commit()
        return read


@router.put("/routing/rules/{rule_id}", response_model=s.RuleRead)
def update_rule(rule_id: int, data: s.RuleCreate, request: Request, principal: Editor
                ) -> s.RuleRead:
    """Replace a routing rule."""
    with request.app.state.db.write() as session:
        rule = config.get_rule(session=session, workspace_id=principal.workspace_id,
                               rule_id=rule_id)
        config.do_save_rule(session=session, workspace_id=principal.workspace_id, rule=rule,
                            data=data)
        read = s.RuleRead.model_validate(rule)
        session.commit()
        return read


@router.delete("/routing/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, request: Request, principal: Editor) -> Response:
    """Delete a routing rule (past decisions keep their reasons)."""
    with request.app.state.db.write() as session:
        session.delete(config.get_rule(session=session, workspace_id=principal.workspace_id,
                                       rule_id=rule_id))
        session.commit()
    return Response(status_code=204)


# --- agents ----------------------------------------------------------------------------

def _profile_read(session: Session, profile: AgentProfile) -> s.AgentProfileRead:
    loads = service.load_agents(session=session, workspace_id=profile.workspace_id,
                                now=utcnow(), user_ids=[profile.user_id])
    read = s.AgentProfileRead.model_validate(profile)
    read.load = loads[0].load if loads else 0
    return read


@router.get("/routing/agents", response_model=s.AgentList)
def list_agents(request: Request, principal: Reader) -> s.AgentList:
    """Agents' routing profiles and presence."""
    with request.app.state.db.read() as session:
        rows = session.scalars(select(AgentProfile)
                               .where(AgentProfile.workspace_id == principal.workspace_id)
                               .order_by(AgentProfile.user_id))
        return s.AgentList(items=[s.AgentProfileRead.model_validate(r) for r in rows])


@router.get("/routing/agents/{user_id}", response_model=s.AgentProfileRead)
def get_agent(user_id: int, request: Request, principal: Reader) -> s.AgentProfileRead:
    """One agent's routing profile with their current load."""
    with request.app.state.db.write() as session:
        profile = config.get_profile(session=session, workspace_id=principal.workspace_id,
                                     user_id=user_id)
        read = _profile_read(session, profile)
        session.commit()
        return read


@router.put("/routing/agents/{user_id}", response_model=s.AgentProfileRead)
def update_agent(user_id: int, data: s.AgentProfileUpdate, request: Request,
                 principal: Editor) -> s.AgentProfileRead:
    """Set an agent's skills, languages, capacity, channel weights and working hours."""
    with request.app.state.db.write() as session:
        profile = config.get_profile(session=session, workspace_id=principal.workspace_id,
                                     user_id=user_id)
        config.do_update_profile(session=session, profile=profile, data=data)
        read = _profile_read(session, profile)
        session.commit()
        return read


@router.put("/routing/agents/{user_id}/presence", response_model=s.PresenceResult)
def set_presence(user_id: int, data: s.PresenceUpdate, request: Request, principal: Staff
                 ) -> s.PresenceResult:
    """Go online, away or offline; leaving hands unanswered conversations back."""
    if principal.role == "agent" and principal.user_id != user_id:
        raise Forbidden("Agents may change only their own presence.",
                        fa="کارشناس فقط وضعیت حضور خودش را می‌تواند تغییر دهد.")
    with request.app.state.db.write() as session:
        profile = config.get_profile(session=session, workspace_id=principal.workspace_id,
                                     user_id=user_id)
        handed = service.do_set_presence(session=session, profile=profile,
                                         presence=data.presence)
        session.commit()
        return s.PresenceResult(user_id=user_id, presence=data.presence, handed_back=handed)


# --- conversations: override, decisions, clock -------------------------------------------

@router.post("/routing/conversations/{conversation_id}/assign", response_model=s.DecisionRead)
def override_assignment(conversation_id: int, data: s.OverrideCreate, request: Request,
                        principal: Editor) -> s.DecisionRead:
    """A supervisor assigns a conversation by hand (or returns it to the queue)."""
    if principal.user_id is None:
        raise Forbidden("An override needs a token that belongs to a person.",
                        fa="برای تغییر دستی واگذاری، توکن باید از آنِ یک شخص باشد.")
    with request.app.state.db.write() as session:
        conversation = _conversation(session, principal, conversation_id)
        if data.agent_id is not None:
            config.get_profile(session=session, workspace_id=principal.workspace_id,
                               user_id=data.agent_id)
        row = service.do_override(session=session, conversation=conversation,
                                  agent_id=data.agent_id, actor_user_id=principal.user_id,
                                  reason=data.reason)
        session.flush()
        read = s.DecisionRead.model_validate(row)
        session.commit()
        return read


@router.get("/routing/conversations/{conversation_id}/decisions",
            response_model=s.DecisionList)
def list_decisions(conversation_id: int, request: Request, principal: Reader
                   ) -> s.DecisionList:
    """Every routing decision taken on a conversation, oldest first, with reasons."""
    with request.app.state.db.read() as session:
        _conversation(session, principal, conversation_id)
        rows = session.scalars(select(RoutingDecision)
                               .where(RoutingDecision.conversation_id == conversation_id)
                               .order_by(RoutingDecision.id))
        return s.DecisionList(items=[s.DecisionRead.model_validate(r) for r in rows])


@router.get("/sla/conversations/{conversation_id}", response_model=s.ClockRead)
def get_clock(conversation_id: int, request: Request, principal: Reader) -> s.ClockRead:
    """A conversation's routing and SLA deadlines."""
    with request.app.state.db.read() as session:
        conversation = _conversation(session, principal, conversation_id)
        row = session.get(ConversationRouting, conversation_id)
        if row is None:
            raise NotFound(f"Conversation {conversation_id} has not been routed yet.",
                           fa=f"گفت‌وگوی {conversation_id} هنوز مسیردهی نشده است.")
        return s.ClockRead(
            conversation_id=conversation_id, priority=conversation.priority,
            rule_id=row.rule_id, handling=row.handling, tags=row.tags, reasons=row.reasons,
            first_response_due=row.first_response_due,
            next_response_due=row.next_response_due, resolution_due=row.resolution_due,
            breached=row.breached)


# --- teams -----------------------------------------------------------------------------

def _team_read(session: Session, team: Team) -> s.TeamRead:
    skill = config.team_skill(session=session, team=team)
    members = list(session.scalars(select(TeamMember.user_id)
                                   .where(TeamMember.team_id == team.id)
                                   .order_by(TeamMember.user_id)))
    return s.TeamRead(id=team.id, name=team.name, categories=skill.categories,
                      languages=skill.languages, channel_kinds=skill.channel_kinds,
                      member_ids=members)


@router.get("/teams", response_model=s.TeamList)
def list_teams(request: Request, principal: Reader) -> s.TeamList:
    """Teams with their skills and members."""
    with request.app.state.db.write() as session:
        teams = session.scalars(select(Team).where(Team.workspace_id == principal.workspace_id)
                                .order_by(Team.id))
        items = [_team_read(session, t) for t in teams]
        session.commit()
        return s.TeamList(items=items)


@router.post("/teams", response_model=s.TeamRead, status_code=201)
def create_team(data: s.TeamCreate, request: Request, principal: Editor) -> s.TeamRead:
    """Create a team (it handles anything until skills are set)."""
    with request.app.state.db.write() as session:
        team = config.do_create_team(session=session, workspace_id=principal.workspace_id,
                                     name=data.name)
        read = _team_read(session, team)
        session.commit()
        return read


@router.put("/teams/{team_id}", response_model=s.TeamRead)
def update_team(team_id: int, data: s.TeamUpdate, request: Request, principal: Editor
                ) -> s.TeamRead:
    """Set a team's skills and, when given, its members."""
    with request.app.state.db.write() as session:
        team = config.get_team(session=session, workspace_id=principal.workspace_id,
                               team_id=team_id)
        config.do_set_team_skills(session=session, team=team, data=data)
        read = _team_read(session, team)
        session.commit()
        return read


# --- SLA policies and the business calendar -----------------------------------------------

@router.get("/sla/policies", response_model=s.PolicyList)
def list_policies(request: Request, principal: Reader) -> s.PolicyList:
    """SLA targets per priority, in business minutes (defaults where none is set)."""
    with request.app.state.db.read() as session:
        items = []
        for priority in PRIORITIES:
            first, nxt, resolution, warn = config.policy_minutes(
                session=session, workspace_id=principal.workspace_id, priority=priority)
            items.append(s.PolicyRead(priority=priority,
                                      first_response_minutes=first, next_response_minutes=nxt,
                                      resolution_minutes=resolution, warn_at_percent=warn))
        return s.PolicyList(items=items)


@router.put("/sla/policies/{priority}", response_model=s.PolicyRead)
def set_policy(priority: s.Priority, data: s.PolicyUpdate, request: Request,
               principal: Editor) -> s.PolicyRead:
    """Set the SLA targets of one priority (applies to clocks started from now on)."""
    with request.app.state.db.write() as session:
        config.do_set_policy(session=session, workspace_id=principal.workspace_id,
                             priority=priority, first=data.first_response_minutes,
                             nxt=data.next_response_minutes,
                             resolution=data.resolution_minutes,
                             warn_at_percent=data.warn_at_percent)
        session.commit()
    return s.PolicyRead(priority=priority, **data.model_dump())


@router.get("/sla/calendar", response_model=s.CalendarRead)
def get_calendar(request: Request, principal: Reader) -> s.CalendarRead:
    """The working week and time zone SLA clocks count in."""
    with request.app.state.db.write() as session:
        cal = config.do_ensure_calendar(session=session, workspace_id=principal.workspace_id)
        read = s.CalendarRead(name=cal.name, timezone=cal.timezone,
                              weekly_hours=cal.weekly_hours)
        session.commit()
        return read


@router.put("/sla/calendar", response_model=s.CalendarRead)
def set_calendar(data: s.CalendarUpdate, request: Request, principal: Editor
                 ) -> s.CalendarRead:
    """Replace the working week and time zone (e.g. for another country)."""
    with request.app.state.db.write() as session:
        config.do_set_calendar(session=session, workspace_id=principal.workspace_id, data=data)
        session.commit()
    return s.CalendarRead(name=data.name, timezone=data.timezone, weekly_hours=data.weekly_hours)


@router.get("/sla/calendar/holidays", response_model=s.HolidayList)
def list_holidays(request: Request, principal: Reader) -> s.HolidayList:
    """Closed days, oldest first."""
    with request.app.state.db.write() as session:
        cal = config.do_ensure_calendar(session=session, workspace_id=principal.workspace_id)
        rows = session.scalars(select(CalendarHoliday).where(CalendarHoliday.calendar_id ==
                                                             cal.id)
                               .order_by(CalendarHoliday.day))
        items = [s.HolidayRead.model_validate(r) for r in rows]
        session.commit()
        return s.HolidayList(items=items)


@router.post("/sla/calendar/holidays", response_model=s.HolidayRead, status_code=201)
def add_holiday(data: s.HolidayCreate, request: Request, principal: Editor
                ) -> s.HolidayRead:
    """Close the calendar on one more day."""
    with request.app.state.db.write() as session:
        row = config.do_add_holiday(session=session, workspace_id=principal.workspace_id,
                                    day=data.day, name=data.name)
        read = s.HolidayRead.model_validate(row)
        session.commit()
        return read


@router.put("/sla/calendar/holidays/{holiday_id}", response_model=s.HolidayRead)
def update_holiday(holiday_id: int, data: s.HolidayCreate, request: Request,
                   principal: Editor) -> s.HolidayRead:
    """Correct a holiday's date or name (e.g. a lunar date moved by a day)."""
    with request.app.state.db.write() as session:
        row = config.do_move_holiday(session=session, workspace_id=principal.workspace_id,
                                     holiday_id=holiday_id, day=data.day, name=data.name)
        read = s.HolidayRead.model_validate(row)
        session.commit()
        return read


@router.delete("/sla/calendar/holidays/{holiday_id}", status_code=204)
def delete_holiday(holiday_id: int, request: Request, principal: Editor) -> Response:
    """Reopen a day."""
    with request.app.state.db.write() as session:
        session.delete(config.get_holiday(session=session, workspace_id=principal.workspace_id,
                                          holiday_id=holiday_id))
        session.commit()
    return Response(status_code=204)


# --- tickets ---------------------------------------------------------------------------

def _ticket_read(session: Session, ticket: Ticket) -> s.TicketRead:
    return s.TicketRead(
        id=ticket.id, reference=tickets.reference(ticket), number=ticket.number,
        subject=ticket.subject, status=ticket.status, priority=ticket.priority,
        contact_id=ticket.contact_id, assignee_id=ticket.assignee_id,
        conversation_ids=tickets.linked_conversations(session=session, ticket=ticket),
        created_at=ticket.created_at, solved_at=ticket.solved_at)


@router.get("/tickets", response_model=s.TicketPage)
def list_tickets(request: Request, principal: Reader, status: s.TicketStatus | None = None,
                 ref: str | None = None) -> s.TicketPage:
    """Tickets, newest first; `ref=#1042` finds the one a customer quotes."""
    with request.app.state.db.read() as session:
        if ref:
            found = [tickets.find_by_reference(session=session,
                                               workspace_id=principal.workspace_id, ref=ref)]
        else:
            query = select(Ticket).where(Ticket.workspace_id == principal.workspace_id)
            if status:
                query = query.where(Ticket.status == status)
            found = list(session.scalars(query.order_by(Ticket.number.desc()).limit(200)))
        return s.TicketPage(items=[_ticket_read(session, t) for t in found])


@router.post("/tickets", response_model=s.TicketRead, status_code=201)
def open_ticket(data: s.TicketCreate, request: Request, principal: Staff) -> s.TicketRead:
    """Open a ticket, optionally linked to conversations."""
    with request.app.state.db.write() as session:
        for conversation_id in data.conversation_ids:
            _conversation(session, principal, conversation_id)
        ticket = tickets.do_open_ticket(
            session=session, workspace_id=principal.workspace_id, subject=data.subject,
            priority=data.priority, conversation_ids=tuple(data.conversation_ids),
            actor=_actor(session, principal))
        read = _ticket_read(session, ticket)
        session.commit()
        return read


@router.get("/tickets/{ticket_id}", response_model=s.TicketRead)
def get_ticket(ticket_id: int, request: Request, principal: Reader) -> s.TicketRead:
    """One ticket with its linked conversations."""
    with request.app.state.db.read() as session:
        return _ticket_read(session, tickets.get_ticket(
            session=session, workspace_id=principal.workspace_id, ticket_id=ticket_id))


@router.patch("/tickets/{ticket_id}", response_model=s.TicketRead)
def update_ticket(ticket_id: int, data: s.TicketUpdate, request: Request, principal: Staff
                  ) -> s.TicketRead:
    """Move a ticket to another status."""
    with request.app.state.db.write() as session:
        ticket = tickets.get_ticket(session=session, workspace_id=principal.workspace_id,
                                    ticket_id=ticket_id)
        tickets.do_set_ticket_status(session=session, ticket=ticket, status=data.status,
                                     actor=_actor(session, principal))
        session.flush()
        read = _ticket_read(session, ticket)
        session.commit()
        return read


@router.post("/tickets/{ticket_id}/conversations", response_model=s.TicketRead)
def link_conversation(ticket_id: int, data: s.TicketLink, request: Request, principal: Staff
                      ) -> s.TicketRead:
    """Gather another conversation about the same problem under the ticket."""
    with request.app.state.db.write() as session:
        ticket = tickets.get_ticket(session=session, workspace_id=principal.workspace_id,
                                    ticket_id=ticket_id)
        tickets.do_link(session=session, ticket=ticket, conversation_id=data.conversation_id)
        read = _ticket_read(session, ticket)
        session.commit()
        return read


@router.post("/tickets/invitations", response_model=s.InvitationRead, status_code=201)
def invite_private(data: s.InvitationCreate, request: Request, principal: Staff
                   ) -> s.InvitationRead:
    """Reply publicly with a short invitation to a private channel (and maybe a ticket)."""
    with request.app.state.db.write() as session:
        conversation = _conversation(session, principal, data.conversation_id)
        result = tickets.do_invite_private(session=session, conversation=conversation,
                                           actor=_actor(session, principal), text=data.text,
                                           open_ticket=data.open_ticket)
        read = s.InvitationRead(
            conversation_id=conversation.id, reply_message_id=result.reply.id,
            ticket=_ticket_read(session, result.ticket) if result.ticket else None)
        session.commit()
        return read
