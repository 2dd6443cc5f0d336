"""What /api/v1/metrics answers: one table per metric, every table the same shape."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class MetricRow(BaseModel):
    """One period (and breakdown key): how many were counted and the metric's value."""

    period: str
    key: str | None = Field(description="The breakdown value (channel, agent...), or null.")
    count: int
    value: float | None


class MetricTable(BaseModel):
    """One metric over the periods, with its unit and how it was obtained."""

    name: str
    unit: str = Field(description="conversations, messages, seconds, ratio, percent, "
                                  "nps or score")
    source: str = Field(description="measured, asked (surveys) or inferred (from behaviour)")
    rows: list[MetricRow]


class IncidentRead(BaseModel):
    """A crisis incident: a spike of negative public messages about one topic."""

    id: int
    topic: str
    status: str
    started_at: datetime
    last_seen_at: datetime
    closed_at: datetime | None
    window_count: int
    peak_count: int
    expected: float


class MetricsRead(BaseModel):
    """The dashboard's data: every requested table over the same periods and filters."""

    start: datetime
    end: datetime
    period: str
    calendar: str
    timezone: str
    by: str | None
    periods: list[str]
    tables: list[MetricTable]
    incidents: list[IncidentRead]
