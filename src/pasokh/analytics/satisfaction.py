"""Asked scores: CSAT, NPS and CES from answered surveys, on one scale each.

CSAT is the share of 4–5 answers (%), NPS is % promoters (9–10) minus % detractors (0–6),
CES is the mean answer (1–7, higher is easier). Each is the mean of a per-answer value, so
the same grouping serves every breakdown. They count answers, not conversations: an answer
stays counted when its conversation is later merged into another (the customer did answer).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, case, cast, select
from sqlalchemy.orm import Session

from pasokh.analytics.sql import Row, Scope, bucket_of, dimension, grouped, scope_filters
from pasokh.inbox.models import Conversation
from pasokh.surveys.models import Survey


def survey_value(kind: str, score: Any) -> Any:
    """The per-answer value whose mean is the reported score."""
    if kind == "csat":
        return case((score >= 4, 100.0), else_=0.0)
    if kind == "nps":
        return case((score >= 9, 100.0), (score <= 6, -100.0), else_=0.0)
    return cast(score, Float())


def asked(*, session: Session, scope: Scope, kind: str) -> list[Row]:
    """Answered surveys of `kind` per period of answer: count and the score."""
    s = Survey
    inner = (select(bucket_of(s.answered_at, scope).label("b"),
                    dimension(scope.by).label("k"), survey_value(kind, s.score).label("v"))
             .select_from(s).join(Conversation, Conversation.id == s.conversation_id)
             .where(s.workspace_id == scope.workspace_id, s.kind == kind,
                    s.status == "answered", s.answered_at >= scope.start,
                    s.answered_at < scope.end, *scope_filters(scope)))
    return grouped(session, scope, inner)


def comments(*, session: Session, scope: Scope) -> list[Row]:
    """Survey replies kept as comments (could not be read as a score), per period."""
    s = Survey
    inner = (select(bucket_of(s.answered_at, scope).label("b"),
                    dimension(scope.by).label("k"), cast(None, Float()).label("v"))
             .select_from(s).join(Conversation, Conversation.id == s.conversation_id)
             .where(s.workspace_id == scope.workspace_id, s.comment.is_not(None),
                    s.answered_at >= scope.start, s.answered_at < scope.end,
                    *scope_filters(scope)))
    return grouped(session, scope, inner, agg="none")
