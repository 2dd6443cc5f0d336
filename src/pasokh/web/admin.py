"""Supervisor pages: the overview (people, teams, reply templates) and the section routers."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from pasokh.inbox.corrections import count_corrections
from pasokh.replies.models import ReplyTemplate
from pasokh.replies.service import VARIABLES
from pasokh.types import CATEGORIES
from pasokh.users.models import Team, TeamMember, User
from pasokh.web import admin_people, admin_rules, admin_sla, admin_teams
from pasokh.web.forms import SUPERVISORS, gate
from pasokh.web.pages import _context, templates
from pasokh.web.triage_model import without_paths
from pasokh.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)
for _section in (admin_people, admin_teams, admin_rules, admin_sla):
    router.include_router(_section.router)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    """The workspace at a glance for supervisors; templates are edited here."""
    principal = gate(request, SUPERVISORS)
    ws_id = principal.workspace_id
    with request.app.state.db.read() as session:
        workspace = session.get(Workspace, ws_id)
        people = session.scalars(select(User).where(User.workspace_id == ws_id)
                                 .order_by(User.role, User.name)).all()
        teams = session.scalars(select(Team).where(Team.workspace_id == ws_id)
                                .order_by(Team.name)).all()
        members = session.execute(select(TeamMember.team_id, TeamMember.user_id)
                                  .join(Team, Team.id == TeamMember.team_id)
                                  .where(Team.workspace_id == ws_id)).all()
        reply_templates = session.scalars(select(ReplyTemplate).where(
            ReplyTemplate.workspace_id == ws_id).order_by(ReplyTemplate.name)).all()
        corrections = count_corrections(session=session, workspace_id=ws_id)
    watcher = getattr(request.app.state, "model_watcher", None)
    model = watcher.status() if watcher is not None else None
    refused = without_paths(model.refused, model.model_dir) if model and model.refused else None
    team_names = {t.id: t.name for t in teams}
    teams_of: dict[int, list[str]] = defaultdict(list)
    members_of: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in members:
        teams_of[user_id].append(team_names[team_id])
        members_of[team_id].append(user_id)
    return templates.TemplateResponse(
        request, "admin.html",
        _context(request, principal.locale, principal=principal, workspace=workspace,
                 workspace_name=workspace.name if workspace else "", people=people,
                 teams=teams, teams_of=teams_of, members_of=members_of,
                 names={u.id: u.name for u in people}, reply_templates=reply_templates,
                 categories=CATEGORIES, variables=VARIABLES, csrf=principal.csrf_token,
                 section="overview", model=model, refused=refused,
                 corrections=corrections),
    )
