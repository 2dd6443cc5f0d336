"""Write audit events inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pasokh.audit.models import AuditEvent


def do_audit(
    *,
    session: Session,
    workspace_id: int | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    actor_user_id: int | None = None,
    actor_token_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that an actor did `action` to a target; committed with the caller's work."""
    event = AuditEvent(
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        actor_token_id=actor_token_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
    )
    session.add(event)
    return event
