"""/api/v1/surveys: read answers and run the survey pass (schedule, send, collect)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from pasokh.db import utcnow
from pasokh.errors import BadRequest
from pasokh.pagination import check_limit
from pasokh.surveys.models import SURVEY_KINDS, SURVEY_STATUSES, Survey
from pasokh.surveys.schemas import SurveyPage, SurveyRead, SurveyRun
from pasokh.surveys.service import do_collect_answers, do_schedule_surveys, do_send_due_surveys
from pasokh.web.auth import Principal, require
from pasokh.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])
Reader = Annotated[Principal, Depends(require("admin", "supervisor", "analyst", "integration"))]
Runner = Annotated[Principal, Depends(require("admin", "supervisor", "integration"))]


@router.get("", response_model=SurveyPage)
def list_surveys(request: Request, principal: Reader,
                 status: Annotated[str | None, Query(max_length=16)] = None,
                 kind: Annotated[str | None, Query(max_length=8)] = None,
                 limit: int = 50) -> SurveyPage:
    """The latest surveys of the workspace, newest first."""
    if status is not None and status not in SURVEY_STATUSES:
        raise BadRequest(f"Unknown status '{status}': use one of {', '.join(SURVEY_STATUSES)}.",
                         fa=f"وضعیت «{status}» شناخته نیست؛ یکی از این‌ها را بگذارید: "
                         f"{'، '.join(SURVEY_STATUSES)}.")
    if kind is not None and kind not in SURVEY_KINDS:
        raise BadRequest(f"Unknown kind '{kind}': use one of {', '.join(SURVEY_KINDS)}.",
                         fa=f"نوع «{kind}» شناخته نیست؛ یکی از این‌ها را بگذارید: "
                         f"{'، '.join(SURVEY_KINDS)}.")
    stmt = select(Survey).where(Survey.workspace_id == principal.workspace_id)
    if status is not None:
        stmt = stmt.where(Survey.status == status)
    if kind is not None:
        stmt = stmt.where(Survey.kind == kind)
    with request.app.state.db.read() as session:
        rows = session.scalars(stmt.order_by(Survey.id.desc()).limit(check_limit(limit)))
        return SurveyPage(items=[SurveyRead.model_validate(r, from_attributes=True)
                                 for r in rows])


@router.post("/run", response_model=SurveyRun)
def run_surveys(request: Request, principal: Runner) -> SurveyRun:
    """Schedule surveys for newly resolved conversations, send due ones, read replies."""
    now = utcnow()
    with request.app.state.db.write() as session:
        workspace = session.get(Workspace, principal.workspace_id)
        assert workspace is not None
        scheduled = do_schedule_surveys(session=session, workspace=workspace, now=now)
        sent = do_send_due_surveys(session=session, workspace=workspace, now=now)
        answered = do_collect_answers(session=session, workspace=workspace, now=now)
        session.commit()
    return SurveyRun(scheduled=len(scheduled), sent=len(sent), answered=len(answered))
