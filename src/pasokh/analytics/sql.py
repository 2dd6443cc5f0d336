"""SQL building blocks shared by the metrics: scope, period buckets, durations, grouping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Float, String, case, cast, func, literal, null, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pasokh.analytics.periods import Bucket
from pasokh.db import utcnow
from pasokh.inbox.models import Conversation

Dimension = Literal["channel", "team", "agent", "category", "priority", "sentiment"]
DIMENSIONS: tuple[str, ...] = ("channel", "team", "agent", "category", "priority", "sentiment")


@dataclass(frozen=True)
class Scope:
    """Which conversations a metric reads, over which periods, broken down by what."""

    workspace_id: int
    buckets: list[Bucket]
    by: Dimension | None = None
    channel_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    category: str | None = None
    priority: str | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def start(self) -> datetime:
        return self.buckets[0].start

    @property
    def end(self) -> datetime:
        return self.buckets[-1].end


@dataclass(frozen=True)
class Row:
    """One cell of a metric table: a period, a breakdown key, a count and a value."""

    period: str
    key: str | None
    count: int
    value: float | None


def dimension(by: Dimension | None) -> ColumnElement[Any]:
    """The conversation column a breakdown groups by (a constant when there is none)."""
    columns: dict[str, Any] = {
        "channel": Conversation.channel_id, "team": Conversation.team_id,
        "agent": Conversation.assignee_id, "category": Conversation.category,
        "priority": Conversation.priority, "sentiment": Conversation.sentiment,
    }
    if by is None:
        return literal(None, String())
    return cast(columns[by], String())


def scope_filters(scope: Scope) -> list[ColumnElement[bool]]:
    """The request's own filters on conversations (channel, team, agent, category, priority)."""
    where: list[ColumnElement[bool]] = []
    for column, value in ((Conversation.channel_id, scope.channel_id),
                          (Conversation.team_id, scope.team_id),
                          (Conversation.assignee_id, scope.assignee_id),
                          (Conversation.category, scope.category),
                          (Conversation.priority, scope.priority)):
        if value is not None:
            where.append(column == value)
    return where


def conversation_filters(scope: Scope) -> list[ColumnElement[bool]]:
    """The WHERE clauses every metric applies to conversations.

    A conversation merged into another is no conversation of its own: its messages moved
    to the survivor, which is counted once. `merged_into_id` is in every covering index the
    metrics read (0008), so skipping it keeps their index-only scans; a status filter would
    not (the absorbed one is resolved like any other).
    """
    return [Conversation.workspace_id == scope.workspace_id,
            Conversation.merged_into_id.is_(None), *scope_filters(scope)]


def in_range(at: Any, scope: Scope) -> list[ColumnElement[bool]]:
    """`at` falls inside the scope's periods."""
    return [at >= scope.start, at < scope.end]


def bucket_of(at: Any, scope: Scope) -> ColumnElement[Any]:
    """The index of the period that contains `at` (rows outside the range are filtered)."""
    if len(scope.buckets) == 1:
        return literal(0)
    whens = [(at < b.end, i) for i, b in enumerate(scope.buckets[:-1])]
    return case(*whens, else_=len(scope.buckets) - 1)


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """`later - earlier` in seconds, on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def grouped(session: Session, scope: Scope, inner: Any, *, agg: str = "avg") -> list[Row]:
    """Group a per-row subquery (columns b, k, v) into Rows: count and avg/sum/rate of v."""
    # OFFSET 0 keeps both databases from inlining the subquery, which would evaluate an
    # expensive `v` (correlated subqueries) once for count() and again for avg().
    sub = inner.offset(0).subquery()
    value: Any = {"avg": func.avg(sub.c.v), "sum": func.sum(sub.c.v),
                  "none": cast(null(), Float())}[agg]
    # Rows whose value is NULL (e.g. an SLA clock still running) are not counted.
    count = func.count() if agg == "none" else func.count(sub.c.v)
    stmt = (select(sub.c.b, sub.c.k, count, value)
            .group_by(sub.c.b, sub.c.k).order_by(sub.c.b, sub.c.k))
    labels = [b.label for b in scope.buckets]
    return [Row(labels[int(b)], k, int(n), None if v is None else float(v))
            for b, k, n, v in session.execute(stmt)]
