"""Reply templates over JSON: agents read them, supervisors write them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.errors import NotFound
from pasokh.replies.models import ReplyTemplate
from pasokh.replies.service import do_save_template
from pasokh.web.auth import Principal, require

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])
Agent = Annotated[Principal, Depends(require("admin", "supervisor", "agent"))]
Supervisor = Annotated[Principal, Depends(require("admin", "supervisor"))]


class TemplateWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    locale: str = Field(default="fa", max_length=8)
    category: str | None = Field(default=None, max_length=32)
    body: str = Field(min_length=1, max_length=10_000)


class TemplateOut(BaseModel):
    id: int
    name: str
    locale: str
    category: str | None
    body: str


def _out(t: ReplyTemplate) -> TemplateOut:
    return TemplateOut(id=t.id, name=t.name, locale=t.locale, category=t.category, body=t.body)


@router.get("", response_model=list[TemplateOut])
def list_templates(request: Request, principal: Agent) -> list[TemplateOut]:
    """The workspace's reply templates, by name (variables not filled in)."""
    with request.app.state.db.read() as session:
        rows = session.scalars(select(ReplyTemplate).where(
            ReplyTemplate.workspace_id == principal.workspace_id).order_by(ReplyTemplate.name))
        return [_out(t) for t in rows]


@router.post("", response_model=TemplateOut, status_code=201)
def create_template(data: TemplateWrite, request: Request, principal: Supervisor
                    ) -> TemplateOut:
    """Add a reply template."""
    with request.app.state.db.write() as session:
        template = do_save_template(session=session, workspace_id=principal.workspace_id,
                                    author_id=principal.user_id, name=data.name,
                                    locale=data.locale, category=data.category or None,
                                    body=data.body)
        out = _out(template)
        session.commit()
    return out


def _get(session: Session, principal: Principal, template_id: int) -> ReplyTemplate:
    template = session.get(ReplyTemplate, template_id)
    if template is None or template.workspace_id != principal.workspace_id:
        raise NotFound(f"There is no template {template_id} in this workspace.",
                       fa=f"قالب {template_id} در این فضای کاری نیست.")
    return template


@router.put("/{template_id}", response_model=TemplateOut)
def update_template(template_id: int, data: TemplateWrite, request: Request,
                    principal: Supervisor) -> TemplateOut:
    """Change a reply template."""
    with request.app.state.db.write() as session:
        template = do_save_template(session=session, workspace_id=principal.workspace_id,
                                    author_id=principal.user_id, name=data.name,
                                    locale=data.locale, category=data.category or None,
                                    body=data.body,
                                    template=_get(session, principal, template_id))
        out = _out(template)
        session.commit()
    return out


@router.delete("/{template_id}", status_code=204)
def delete_template(template_id: int, request: Request, principal: Supervisor) -> Response:
    """Remove a reply template."""
    with request.app.state.db.write() as session:
        session.delete(_get(session, principal, template_id))
        session.commit()
    return Response(status_code=204)
