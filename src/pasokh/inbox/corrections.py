"""Agents' triage corrections as training rows for `pasokh triage train`.

A correction (PUT /api/v1/conversations/{id}/triage) is kept beside the model's decision
on the message it was made on. Each corrected message becomes one JSONL row with the
message's text and only the fields the agent corrected: a field the agent left alone is
not a label (they may simply not have looked), and the trainer fits each head on the rows
labelled for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from pasokh.channels.models import Channel
from pasokh.inbox.models import Message, TriageDecision

FIELDS = ("category", "sentiment", "priority")


def corrected() -> ColumnElement[bool]:
    """An agent corrected at least one field of the decision."""
    d = TriageDecision
    return or_(d.corrected_category.is_not(None), d.corrected_sentiment.is_not(None),
               d.corrected_priority.is_not(None))


def correction_rows(*, session: Session, workspace_id: int, since: datetime | None = None
                    ) -> Iterator[dict[str, Any]]:
    """The workspace's corrected messages, oldest correction first, as training rows."""
    d = TriageDecision
    stmt = (
        select(d, Message.text, Message.is_public, Channel.kind)
        .join(Message, Message.id == d.message_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(d.workspace_id == workspace_id, Message.direction == "inbound", corrected())
        .order_by(d.corrected_at, d.id)
    )
    if since is not None:
        stmt = stmt.where(d.corrected_at >= since)
    for decision, text, is_public, kind in session.execute(stmt).yield_per(500):
        row: dict[str, Any] = {"text": text}
        for field in FIELDS:
            value = getattr(decision, f"corrected_{field}")
            if value is not None:
                row[field] = value
                row[f"model_{field}"] = getattr(decision, field)  # what it was corrected from
        row.update(lang=decision.language, channel=kind, public=is_public,
                   source="correction", message_id=decision.message_id,
                   model_version=decision.model_version,
                   corrected_at=decision.corrected_at.isoformat()
                   if decision.corrected_at else None)
        yield row


def count_corrections(*, session: Session, workspace_id: int) -> int:
    """How many messages of the workspace an agent corrected."""
    d = TriageDecision
    return int(session.scalar(select(func.count()).select_from(d).where(
        d.workspace_id == workspace_id, corrected())) or 0)


def workspace_corrections(*, database_url: str, slug: str, since: str | None = None
                          ) -> list[dict[str, Any]]:
    """The corrections of the workspace `slug` (for the CLI), or NotFound with a sentence.

    `since` is a day typed by a person, Jalali (1405-09-01) or Gregorian (2026-11-22),
    read as midnight in the workspace's time zone.
    """
    from datetime import time
    from zoneinfo import ZoneInfo

    from pasokh.db import Database
    from pasokh.errors import BadRequest, NotFound
    from pasokh.i18n import parse_day
    from pasokh.workspaces.models import Workspace

    db = Database(database_url)
    try:
        with db.read() as session:
            workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
            if workspace is None:
                raise NotFound(f"There is no workspace '{slug[:64]}'.",
                               fa=f"فضای کاری «{slug[:64]}» وجود ندارد.")
            start = None
            if since is not None:
                try:
                    day = parse_day(since)
                except ValueError as exc:
                    raise BadRequest(f"'{since[:40]}' is not a day: write 1405-09-01 or "
                                     "2026-11-22.",
                                     fa=f"«{since[:40]}» روز نیست؛ مانند ۱۴۰۵-۰۹-۰۱ یا "
                                     "2026-11-22 بنویسید.") from exc
                start = datetime.combine(day, time(), ZoneInfo(workspace.timezone))
            return list(correction_rows(session=session, workspace_id=workspace.id,
                                        since=start))
    finally:
        db.dispose()
