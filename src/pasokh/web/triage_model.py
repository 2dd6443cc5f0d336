"""/api/v1/triage/model: which triage model this process serves, and switch to a new one.

The model is the deployment's (PASOKH_TRIAGE_MODEL_DIR), shared by every workspace; a
reload only re-reads that folder, it never takes a path from the request.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from pasokh.audit.service import do_audit
from pasokh.errors import Conflict, Unprocessable
from pasokh.inbox.corrections import correction_rows
from pasokh.triage.watch import ModelStatus, ModelWatcher
from pasokh.web.auth import Principal, require
from pasokh.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1/triage", tags=["triage"])
Reader = Annotated[Principal, Depends(require("admin", "supervisor", "analyst"))]
Admin = Annotated[Principal, Depends(require("admin"))]


class ModelRead(BaseModel):
    version: str = Field(description="The model this process triages with now.")
    loaded_at: datetime
    checked_at: datetime | None = Field(description="When the folder was last looked at.")
    refused: str | None = Field(description="Why the model now in the folder was not loaded "
                                "(the previous one keeps serving), if it was not.")


def _read(status: ModelStatus) -> ModelRead:
    refused = None if status.refused is None \
        else without_paths(status.refused, status.model_dir)
    return ModelRead(version=status.version, loaded_at=status.loaded_at,
                     checked_at=status.checked_at, refused=refused)


def _watcher(request: Request) -> ModelWatcher:
    watcher: ModelWatcher | None = getattr(request.app.state, "model_watcher", None)
    if watcher is None:
        raise Conflict("This process triages without a model folder to watch.",
                       fa="این فرایند بدون پوشهٔ مدلی که بتوان پایید دسته‌بندی می‌کند.")
    return watcher


def without_paths(reason: str, model_dir: str) -> str:
    """The server's folders are the operator's business, not a workspace admin's."""
    return reason.replace(model_dir.rstrip("/") + "/", "").replace(model_dir, "the model folder")


@router.get("/corrections.jsonl", response_class=Response,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def export_corrections(request: Request, principal: Reader) -> Response:
    """The workspace's corrected messages as labelled JSONL (`pasokh triage train --data`):
    each row labels only the fields the agent corrected."""
    with request.app.state.db.write() as session:
        rows = list(correction_rows(session=session, workspace_id=principal.workspace_id))
        slug = session.scalar(select(Workspace.slug)
                              .where(Workspace.id == principal.workspace_id))
        # customers' words leave the product here: who took them, and how many
        do_audit(session=session, workspace_id=principal.workspace_id,
                 action="triage.corrections_exported", target_type="workspace",
                 target_id=principal.workspace_id, actor_user_id=principal.user_id,
                 actor_token_id=principal.token_id, details={"rows": len(rows)})
        session.commit()
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return Response(body, media_type="application/x-ndjson; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{slug}-corrections.jsonl"'})


@router.get("/model", response_model=ModelRead)
def get_model(request: Request, principal: Reader) -> ModelRead:
    """The serving model and when its folder was last checked for a new one."""
    return _read(_watcher(request).status())


@router.post("/model/reload", response_model=ModelRead)
def reload_model(request: Request, principal: Admin) -> ModelRead:
    """Look at the model folder now; switch if it holds a new, intact model.

    Every process also looks by itself every PASOKH_TRIAGE_MODEL_CHECK_SECONDS; this asks
    the process that answers. A model that fails its checksums is refused with 422 and
    the previous model keeps serving.
    """
    status = _watcher(request).check()
    if status.refused is not None:
        raise Unprocessable(
            f"The new model in the model folder was refused; {status.version} keeps "
            f"serving. {without_paths(status.refused, status.model_dir)}",
            fa=f"مدل تازهٔ پوشهٔ مدل پذیرفته نشد و {status.version} همچنان کار می‌کند. "
            f"{without_paths(status.refused, status.model_dir)}")
    return _read(status)
