"""Configure channels and find them by the key integrations use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.channels.models import Channel
from pasokh.errors import Conflict, NotFound, Unprocessable
from pasokh.types import CHANNEL_KINDS
from pasokh.workspaces.models import Workspace
from pasokh.workspaces.service import check_slug


def do_create_channel(
    *, session: Session, workspace: Workspace, kind: str, key: str, name: str,
    config: dict[str, Any] | None = None,
) -> Channel:
    """Add a channel of `kind` to `workspace`, addressed as `key` in the API."""
    if kind not in CHANNEL_KINDS:
        raise Unprocessable(f"Unknown channel kind '{kind}': choose one of "
                            f"{', '.join(CHANNEL_KINDS)}.",
                            fa=f"نوع کانال «{kind}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
                            f"{'، '.join(CHANNEL_KINDS)}.")
    check_slug(key)
    taken = session.scalar(
        select(Channel.id).where(Channel.workspace_id == workspace.id, Channel.key == key)
    )
    if taken is not None:
        raise Conflict(f"This workspace already has a channel '{key}'.",
                       fa=f"این فضای کاری کانال «{key}» را از پیش دارد.")
    channel = Channel(workspace_id=workspace.id, kind=kind, key=key, name=name,
                      config=config or {})
    session.add(channel)
    session.flush()
    do_audit(session=session, workspace_id=workspace.id, action="channel.created",
             target_type="channel", target_id=channel.id, details={"kind": kind})
    return channel


def get_channel(*, session: Session, workspace_id: int, key: str) -> Channel:
    """The active channel `key` of the workspace, or NotFound with a sentence."""
    channel = session.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.key == key)
    )
    if channel is None or not channel.is_active:
        raise NotFound(f"This workspace has no active channel '{key[:64]}'; create it first "
                       "or check the spelling.",
                       fa=f"این فضای کاری کانال فعالی به نام «{key[:64]}» ندارد؛ اول آن را "
                       "بسازید یا املایش را بررسی کنید.")
    return channel
