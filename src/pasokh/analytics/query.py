"""Turn request parameters into a metrics Scope, refusing bad ones with a sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from persiantools.jdatetime import JalaliDate as _JalaliDate
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.analytics.periods import buckets, calendar_for, check_period
from pasokh.analytics.sql import DIMENSIONS, Scope
from pasokh.channels.models import Channel
from pasokh.db import utcnow
from pasokh.errors import BadRequest
from pasokh.types import CATEGORIES, PRIORITIES
from pasokh.workspaces.models import Workspace

JalaliDate: Any = _JalaliDate  # untyped library
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class MetricsQuery:
    """The dashboard's parameters, as sent (all optional)."""

    start: str | None = None
    end: str | None = None
    period: str = "day"
    calendar: str | None = None
    by: str | None = None
    channel: str | None = None
    team: int | None = None
    agent: int | None = None
    category: str | None = None
    priority: str | None = None


def parse_when(text: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """A date (Jalali if its year is before 1700, e.g. 1405-01-01) or an ISO datetime."""
    raw = text.strip().replace("/", "-")
    try:
        if len(raw) <= 10:
            y, m, d = (int(p) for p in raw.split("-"))
            day: date = JalaliDate(y, m, d).to_gregorian() if y < 1700 else date(y, m, d)
            # A date as the end of a range means "through that day".
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
        when = datetime.fromisoformat(raw)
    except (ValueError, TypeError) as exc:
        raise BadRequest(f"'{text[:40]}' is not a date: use 2026-03-21, 1405-01-01 or an ISO "
                         "date-time.",
                         fa=f"«{text[:40]}» تاریخ نیست: مانند 1405-01-01، 2026-03-21 یا یک "
                         "تاریخ‌وزمان ISO بنویسید.") from exc
    return when if when.tzinfo else when.replace(tzinfo=zone)


def check_scope(*, session: Session, workspace_id: int, locale: str, q: MetricsQuery,
                now: datetime | None = None) -> tuple[Scope, str, str]:
    """Scope, calendar name and time zone for a request."""
    now = now or utcnow()
    tz = session.scalar(select(Workspace.timezone).where(Workspace.id == workspace_id))
    zone = ZoneInfo(tz or "Asia/Tehran")
    grain, calendar = check_period(q.period, q.calendar or calendar_for(locale))
    end = parse_when(q.end, zone, end=True) if q.end else now
    start = parse_when(q.start, zone, end=False) if q.start else end - timedelta(
        days=DEFAULT_DAYS)
    if q.by is not None and q.by not in DIMENSIONS:
        raise BadRequest(f"Unknown breakdown '{q.by[:20]}': use one of {', '.join(DIMENSIONS)}.",
                         fa=f"تفکیک «{q.by[:20]}» شناخته نیست؛ یکی از این‌ها را بگذارید: "
                         f"{'، '.join(DIMENSIONS)}.")
    for name, value, allowed in (("category", q.category, CATEGORIES),
                                 ("priority", q.priority, PRIORITIES)):
        if value is not None and value not in allowed:
            raise BadRequest(f"Unknown {name} '{value[:20]}': use one of {', '.join(allowed)}.",
                             fa=f"{name} «{value[:20]}» شناخته نیست؛ یکی از این‌ها را "
                             f"بگذارید: {'، '.join(allowed)}.")
    channel_id = None
    if q.channel is not None:
        channel_id = session.scalar(select(Channel.id).where(
            Channel.workspace_id == workspace_id, Channel.key == q.channel))
        if channel_id is None:
            raise BadRequest(f"No channel '{q.channel[:40]}' in this workspace.",
                             fa=f"کانال «{q.channel[:40]}» در این فضای کاری نیست.")
    scope = Scope(workspace_id=workspace_id, buckets=buckets(
        start=start.astimezone(UTC), end=end.astimezone(UTC), grain=grain, calendar=calendar,
        tz=zone.key), by=q.by, channel_id=channel_id,  # type: ignore[arg-type]
        team_id=q.team, assignee_id=q.agent, category=q.category, priority=q.priority, now=now)
    return scope, calendar, zone.key
