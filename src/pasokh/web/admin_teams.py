"""Teams and their skills; agents' skills, languages, capacity, weights, hours, presence."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from pasokh.errors import Conflict, Unprocessable
from pasokh.routing import config, service
from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS, PRESENCES, AgentProfile, TeamSkill
from pasokh.routing.schemas import AgentProfileUpdate, TeamCreate, TeamUpdate
from pasokh.types import CATEGORIES, CHANNEL_KINDS
from pasokh.users.models import Team, TeamMember, User
from pasokh.web.forms import (
    SUPERVISORS,
    WEEK,
    FormBody,
    FormError,
    Values,
    done,
    gate,
    latin,
    problem,
    render,
    show_spans,
    time_spans,
    values,
    whole_number,
)
from pasokh.web.words import word

router = APIRouter(include_in_schema=False)
LANGUAGES = ("fa", "en", "ar")
TEAM_LISTS = ("categories", "languages", "channel_kinds", "member_ids")
AGENT_LISTS = ("skills", "languages")
ROUTED_ROLES = ("admin", "supervisor", "agent")  # analysts never take conversations


def _options(locale: str, extra_languages: list[str]) -> dict[str, list[tuple[str, str]]]:
    return {
        "categories": [(c, word(locale, c)) for c in CATEGORIES],
        "languages": [(x, word(locale, x)) for x in
                      (*LANGUAGES, *(x for x in extra_languages if x not in LANGUAGES))],
        "channels": [(c, word(locale, "ch_" + c)) for c in CHANNEL_KINDS],
    }


# --- teams ----------------------------------------------------------------------------------

def _teams_page(request: Request, principal: Any, v: Values | None = None, error: str = "",
                status: int = 200) -> Response:
    ws = principal.workspace_id
    with request.app.state.db.read() as session:
        teams = session.scalars(select(Team).where(Team.workspace_id == ws)
                                .order_by(Team.name)).all()
        skills = {s.team_id: s for s in session.scalars(
            select(TeamSkill).where(TeamSkill.workspace_id == ws))}
        members: dict[int, list[str]] = defaultdict(list)
        for team_id, name in session.execute(
                select(TeamMember.team_id, User.name).join(User, User.id == TeamMember.user_id)
                .where(User.workspace_id == ws).order_by(User.name)):
            members[team_id].append(name)
        return render(request, principal, session, "admin_teams.html", status=status,
                      section="teams_skills", teams=teams, skills=skills, members=members,
                      v=v or {}, error=error)


@router.get("/admin/teams", response_class=HTMLResponse)
def teams_page(request: Request) -> Response:
    """Teams with what they handle and who is in them."""
    return _teams_page(request, gate(request, SUPERVISORS))


@router.post("/admin/teams")
def create_team(request: Request, form: FormBody) -> Response:
    """Create a team (it handles anything until skills are set)."""
    principal = gate(request, SUPERVISORS, form)
    v = values(form)
    try:
        data = TeamCreate(name=str(v.get("name", "")).strip())
        with request.app.state.db.write() as session:
            team = config.do_create_team(session=session, workspace_id=principal.workspace_id,
                                         name=data.name)
            session.commit()
            team_id = team.id
    except (ValidationError, Conflict) as exc:
        message = word(principal.locale, "need_name") if isinstance(exc, ValidationError) \
            and not v.get("name", "").strip() else problem(exc, principal.locale)
        return _teams_page(request, principal, v, message, 422)
    return done(f"/admin/teams/{team_id}", "created")


def _team_form(request: Request, principal: Any, team_id: int, v: Values | None = None,
               error: str = "", status: int = 200) -> Response:
    ws = principal.workspace_id
    with request.app.state.db.write() as session:  # a team without a skills row gets one
        team = config.get_team(session=session, workspace_id=ws, team_id=team_id)
        if v is None:
            skill = config.team_skill(session=session, team=team)
            session.commit()
            v = {"name": team.name, "categories": list(skill.categories),
                 "languages": list(skill.languages), "channel_kinds": list(skill.channel_kinds),
                 "member_ids": [str(u) for u in session.scalars(
                     select(TeamMember.user_id).where(TeamMember.team_id == team.id))]}
        people = session.execute(select(User.id, User.name, User.role).where(
            User.workspace_id == ws, User.is_active.is_(True)).order_by(User.name)).all()
        return render(request, principal, session, "admin_team.html", status=status,
                      section="teams_skills", team_id=team_id, v=v, error=error,
                      options=_options(principal.locale, v.get("languages", [])),
                      people=[(str(i), f"{n} ({word(principal.locale, 'role_' + r)})")
                              for i, n, r in people])


@router.get("/admin/teams/{team_id}", response_class=HTMLResponse)
def team_page(team_id: int, request: Request) -> Response:
    """One team's name, skills and members."""
    return _team_form(request, gate(request, SUPERVISORS), team_id)


@router.post("/admin/teams/{team_id}")
def save_team(team_id: int, request: Request, form: FormBody) -> Response:
    """Rename a team and set its skills and members."""
    principal = gate(request, SUPERVISORS, form)
    v = values(form, multi=TEAM_LISTS)
    try:
        name = TeamCreate(name=str(v.get("name", "")).strip()).name
        data = TeamUpdate(categories=v["categories"], languages=v["languages"],
                          channel_kinds=v["channel_kinds"],
                          member_ids=[int(x) for x in v["member_ids"] if x.isdigit()])
        with request.app.state.db.write() as session:
            team = config.get_team(session=session, workspace_id=principal.workspace_id,
                                   team_id=team_id)
            config.do_rename_team(session=session, team=team, name=name)
            config.do_set_team_skills(session=session, team=team, data=data)
            session.commit()
    except (ValidationError, Conflict, Unprocessable) as exc:
        return _team_form(request, principal, team_id, v, problem(exc, principal.locale), 422)
    return done(f"/admin/teams/{team_id}")


# --- agents ---------------------------------------------------------------------------------

@router.get("/admin/agents", response_class=HTMLResponse)
def agents_page(request: Request) -> Response:
    """Everyone who can take conversations, with their routing profile and presence."""
    principal = gate(request, SUPERVISORS)
    ws = principal.workspace_id
    with request.app.state.db.read() as session:
        people = session.scalars(select(User).where(
            User.workspace_id == ws, User.is_active.is_(True),
            User.role.in_(ROUTED_ROLES)).order_by(User.name)).all()
        profiles = {p.user_id: p for p in session.scalars(
            select(AgentProfile).where(AgentProfile.workspace_id == ws))}
        return render(request, principal, session, "admin_agents.html", section="agents",
                      people=people, profiles=profiles, hours=_hours_text)


def _hours_text(working_hours: list[Any], locale: str) -> str:
    if not working_hours:
        return word(locale, "always")
    by_day: dict[str, list[str]] = defaultdict(list)
    for weekday, start, end in working_hours:
        by_day[str(weekday)].append(f"\u2066{start}-{end}\u2069")  # isolated: reads 08-17 in RTL
    sep = "، " if locale == "fa" else ", "
    return sep.join(f"{word(locale, 'wd_' + k)} {' '.join(by_day[k])}"
                    for k in WEEK.get(locale, WEEK["en"]) if k in by_day)


def _profile_values(profile: AgentProfile) -> Values:
    by_day: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for weekday, start, end in profile.working_hours:
        by_day[str(weekday)].append((start, end))
    return {"skills": list(profile.skills), "languages": list(profile.languages),
            "capacity": str(profile.capacity),
            **{f"weight_{k}": str(w) for k, w in profile.channel_weights.items()},
            **{f"hours_{k}": show_spans(by_day.get(k, [])) for k in WEEK["en"]}}


def profile_from(v: Values, locale: str) -> AgentProfileUpdate:
    """The agent form's fields as the API's schema."""
    weights = {}
    for kind in CHANNEL_KINDS:
        text = latin(str(v.get(f"weight_{kind}", "")))
        if text:
            weights[kind] = whole_number(text, locale, word(locale, "ch_" + kind),
                                         low=1, high=100)
    hours = [(int(k), a, b) for k in WEEK["en"]
             for a, b in time_spans(str(v.get(f"hours_{k}", "")), locale,
                                    word(locale, f"wd_{k}"), allow_24=False)]
    return AgentProfileUpdate(
        skills=v.get("skills", []), languages=v.get("languages", []),
        capacity=whole_number(str(v.get("capacity", "")), locale, word(locale, "capacity"),
                              low=1, high=1000),
        channel_weights=weights, working_hours=hours)


def _agent_form(request: Request, principal: Any, user_id: int, v: Values | None = None,
                error: str = "", status: int = 200) -> Response:
    with request.app.state.db.write() as session:  # the first visit creates the profile
        profile = config.get_profile(session=session, workspace_id=principal.workspace_id,
                                     user_id=user_id)
        session.commit()
        user = session.get(User, user_id)
        assert user is not None  # get_profile checked it
        return render(request, principal, session, "admin_agent.html", status=status,
                      section="agents", person=user, profile=profile,
                      v=v if v is not None else _profile_values(profile), error=error,
                      options=_options(principal.locale, list(profile.languages)),
                      week=WEEK.get(principal.locale, WEEK["en"]),
                      weights=DEFAULT_CHANNEL_WEIGHTS, channel_kinds=CHANNEL_KINDS,
                      presences=PRESENCES)


@router.get("/admin/agents/{user_id}", response_class=HTMLResponse)
def agent_page(user_id: int, request: Request) -> Response:
    """One agent's routing profile and presence."""
    return _agent_form(request, gate(request, SUPERVISORS), user_id)


@router.post("/admin/agents/{user_id}")
def save_agent(user_id: int, request: Request, form: FormBody) -> Response:
    """Set an agent's skills, languages, capacity, channel weights and working hours."""
    principal = gate(request, SUPERVISORS, form)
    v = values(form, multi=AGENT_LISTS)
    try:
        data = profile_from(v, principal.locale)
    except (FormError, ValidationError) as exc:
        return _agent_form(request, principal, user_id, v, problem(exc, principal.locale), 422)
    with request.app.state.db.write() as session:
        profile = config.get_profile(session=session, workspace_id=principal.workspace_id,
                                     user_id=user_id)
        config.do_update_profile(session=session, profile=profile, data=data)
        session.commit()
    return done(f"/admin/agents/{user_id}")


@router.post("/admin/agents/{user_id}/presence")
def set_presence(user_id: int, request: Request, form: FormBody) -> Response:
    """Set someone online, away or offline (leaving hands unanswered work back)."""
    principal = gate(request, SUPERVISORS, form)
    presence = str(form.get("presence", ""))
    if presence not in PRESENCES:
        raise Unprocessable(word(principal.locale, "bad_choice").format(
            value=presence[:20], field=word(principal.locale, "presence")))
    with request.app.state.db.write() as session:
        profile = config.get_profile(session=session, workspace_id=principal.workspace_id,
                                     user_id=user_id)
        service.do_set_presence(session=session, profile=profile, presence=presence)
        session.commit()
    return done(f"/admin/agents/{user_id}")
