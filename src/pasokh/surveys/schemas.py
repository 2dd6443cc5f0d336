"""Surveys as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SurveyRead(BaseModel):
    """One survey: what was asked, when, and the answer (a score or a kept comment)."""

    id: int
    conversation_id: int
    kind: str
    status: str
    send_after: datetime
    sent_at: datetime | None
    score: int | None
    comment: str | None
    answered_at: datetime | None


class SurveyPage(BaseModel):
    items: list[SurveyRead]


class SurveyRun(BaseModel):
    """What one pass of the survey worker did."""

    scheduled: int
    sent: int
    answered: int
