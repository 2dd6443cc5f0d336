"""Admin pages: users and roles, and the workspace's own settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from pasokh.errors import Conflict, Unprocessable
from pasokh.surveys.settings import PRIVATE_KINDS, SurveySettings, check_survey_settings
from pasokh.types import ROLES
from pasokh.users import service as users
from pasokh.users.models import User
from pasokh.web.forms import (
    ADMINS,
    FormBody,
    FormError,
    Values,
    done,
    gate,
    latin,
    problem,
    render,
    values,
    whole_number,
)
from pasokh.web.words import word
from pasokh.workspaces.models import Workspace
from pasokh.workspaces.service import do_update_workspace

router = APIRouter(include_in_schema=False)
LOCALES = ("fa", "en")
TECHNICAL = ("ticket", "invite_private")


# --- users and roles ------------------------------------------------------------------------

def _users_page(request: Request, principal: Any, v: Values | None = None, error: str = "",
                row_error: str = "", status: int = 200) -> Response:
    with request.app.state.db.read() as session:
        people = session.scalars(select(User).where(User.workspace_id == principal.workspace_id)
                                 .order_by(User.is_active.desc(), User.role, User.name)).all()
        return render(request, principal, session, "admin_users.html", status=status,
                      section="users", people=people, roles=ROLES, locales=LOCALES,
                      v=v or {"role": "agent", "locale": principal.locale}, error=error,
                      row_error=row_error)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    """Everyone in the workspace with their role; create, change role, deactivate."""
    return _users_page(request, gate(request, ADMINS))


@router.post("/admin/users")
def create_user(request: Request, form: FormBody) -> Response:
    """Create a person with a role and a first password."""
    principal = gate(request, ADMINS, form)
    v = values(form)
    try:
        with request.app.state.db.write() as session:
            workspace = session.get(Workspace, principal.workspace_id)
            assert workspace is not None
            email = str(v.get("email", "")).strip()
            if "@" not in email or len(email) > 254:
                raise FormError(word(principal.locale, "bad_email"))
            users.do_create_user(session=session, workspace=workspace, email=email,
                                 name=str(v.get("name", ""))[:200],
                                 password=str(v.get("password", ""))[:1024],
                                 role=str(v.get("role", "")),
                                 locale=v.get("locale") if v.get("locale") in LOCALES else None)
            session.commit()
    except (FormError, Conflict, Unprocessable) as exc:
        v.pop("password", None)  # never echoed back into the page
        return _users_page(request, principal, v, problem(exc, principal.locale), status=422)
    return done("/admin/users", "created")


def _change(request: Request, form: FormBody, user_id: int, role: str | None,
            active: bool | None) -> Response:
    principal = gate(request, ADMINS, form)
    try:
        with request.app.state.db.write() as session:
            user = users.get_user(session=session, workspace_id=principal.workspace_id,
                                  user_id=user_id)
            if role is not None:
                users.do_set_role(session=session, user=user, role=role,
                                  actor_user_id=principal.user_id)
            if active is not None:
                users.do_set_active(session=session, user=user, active=active,
                                    actor_user_id=principal.user_id)
            session.commit()
        # A new role or a revoked token must not live on in this process's token cache.
        request.app.state.tokens.clear()
    except (Conflict, Unprocessable) as exc:
        return _users_page(request, principal, row_error=problem(exc, principal.locale),
                           status=409 if isinstance(exc, Conflict) else 422)
    return done("/admin/users")


@router.post("/admin/users/{user_id}/role")
def change_role(user_id: int, request: Request, form: FormBody) -> Response:
    """Give someone another role (the last admin cannot be demoted)."""
    return _change(request, form, user_id, str(form.get("role", "")), None)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(user_id: int, request: Request, form: FormBody) -> Response:
    """Stop someone logging in: sessions closed, tokens revoked; history kept."""
    return _change(request, form, user_id, None, False)


@router.post("/admin/users/{user_id}/reactivate")
def reactivate(user_id: int, request: Request, form: FormBody) -> Response:
    """Let a deactivated person log in again."""
    return _change(request, form, user_id, None, True)


# --- workspace settings ---------------------------------------------------------------------

def _workspace_values(workspace: Workspace) -> Values:
    settings = workspace.settings or {}
    try:
        surveys = check_survey_settings(settings)
    except Exception:  # stored settings a newer version wrote: show the defaults
        surveys = SurveySettings()
    return {"name": workspace.name, "default_locale": workspace.default_locale,
            "technical_handling": (settings.get("routing") or {}).get("technical_handling",
                                                                      "ticket"),
            "survey_enabled": "1" if surveys.enabled else "", "survey_kind": surveys.kind,
            "survey_delay": str(surveys.delay_minutes),
            "survey_window": str(surveys.answer_window_hours),
            "survey_channels": list(surveys.channels)}


def settings_from(v: Values, locale: str, current: dict[str, Any]
                  ) -> dict[str, dict[str, Any]]:
    """The routing and survey sections the form sets (other keys of a section are kept)."""
    technical = str(v.get("technical_handling", ""))
    if technical not in TECHNICAL:
        raise FormError(word(locale, "bad_choice").format(
            value=technical[:20], field=word(locale, "technical_policy")))
    surveys = SurveySettings(
        enabled=bool(v.get("survey_enabled")), kind=v.get("survey_kind") or "csat",
        delay_minutes=whole_number(latin(str(v.get("survey_delay", ""))), locale,
                                   word(locale, "survey_delay"), low=0, high=7 * 24 * 60),
        answer_window_hours=whole_number(latin(str(v.get("survey_window", ""))), locale,
                                         word(locale, "survey_window"), low=1, high=30 * 24),
        channels=[c for c in v.get("survey_channels", []) if c in PRIVATE_KINDS])
    return {"routing": {**(current.get("routing") or {}), "technical_handling": technical},
            "surveys": {**(current.get("surveys") or {}), **surveys.model_dump()}}


def _workspace_page(request: Request, principal: Any, v: Values | None = None,
                    error: str = "", status: int = 200) -> Response:
    with request.app.state.db.read() as session:
        workspace = session.get(Workspace, principal.workspace_id)
        assert workspace is not None
        return render(request, principal, session, "admin_workspace.html", status=status,
                      section="workspace_settings", workspace=workspace,
                      v=v or _workspace_values(workspace), error=error, locales=LOCALES,
                      technical=TECHNICAL, survey_kinds=("csat", "nps", "ces"),
                      survey_channels=PRIVATE_KINDS)


@router.get("/admin/workspace", response_class=HTMLResponse)
def workspace_page(request: Request) -> Response:
    """Name, default language, the technical-problem policy and survey settings."""
    return _workspace_page(request, gate(request, ADMINS))


@router.post("/admin/workspace")
def save_workspace(request: Request, form: FormBody) -> Response:
    """Save the workspace's settings."""
    principal = gate(request, ADMINS, form)
    v = values(form, multi=("survey_channels",))
    try:
        with request.app.state.db.write() as session:
            workspace = session.get(Workspace, principal.workspace_id)
            assert workspace is not None
            sections = settings_from(v, principal.locale, workspace.settings or {})
            name = str(v.get("name", "")).strip()
            if not name:
                raise FormError(word(principal.locale, "need_name"))
            do_update_workspace(session=session, workspace=workspace, name=name[:200],
                                default_locale=str(v.get("default_locale", "")),
                                settings=sections, actor_user_id=principal.user_id)
            session.commit()
    except (FormError, ValidationError, Unprocessable) as exc:
        return _workspace_page(request, principal, v, problem(exc, principal.locale), 422)
    return done("/admin/workspace")
