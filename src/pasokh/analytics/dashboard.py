"""The dashboard's figures: per-period series, whole-range totals and breakdowns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from pasokh.analytics.periods import Bucket
from pasokh.analytics.report import DEFAULT_TABLES, build_many
from pasokh.analytics.schemas import MetricRow, MetricTable
from pasokh.analytics.sql import Scope

# The whole-range cards; the scores sit asked beside inferred, never blended.
KPIS = ("volume", "first_response_human", "first_response_bot", "next_response_human",
        "resolution", "reopen_rate", "repeat_contact_rate", "sla_first_response",
        "sla_resolution", "csat_asked", "csat_inferred", "nps_asked", "nps_inferred",
        "ces_asked", "ces_inferred", "unanswered")
# A customer counts once per period in inferred NPS, so its total is not a weighted mean
# of the periods: it is queried over the whole range.
QUERIED_TOTALS = ("nps_inferred",)
BREAKDOWNS = ("category", "sentiment", "channel", "priority")


@dataclass(frozen=True)
class Dashboard:
    """Everything the page draws."""

    series: dict[str, MetricTable]
    totals: dict[str, MetricTable]
    breakdowns: dict[str, MetricTable]


def total_of(table: MetricTable) -> MetricTable:
    """Whole-range figure from the periods: a sum of counts, or the count-weighted mean."""
    rows = [r for r in table.rows if r.key is None]
    if table.name == "backlog":
        n, value = (rows[-1].count if rows else 0), None
    else:
        n = sum(r.count for r in rows)
        weighted = [(r.count, r.value) for r in rows if r.value is not None]
        value = (sum(c * v for c, v in weighted) / sum(c for c, _v in weighted)
                 if weighted and sum(c for c, _v in weighted) else None)
    return table.model_copy(update={"rows": [MetricRow(period="total", key=None, count=n,
                                                       value=value)]})


def build_dashboard(*, scope: Scope, session: Session | None = None,
                    sessions: Callable[[], Session] | None = None) -> Dashboard:
    """Series over the periods, totals over the whole range, volume by four dimensions.

    With a `sessions` factory the queries run concurrently, one read session each.
    """
    plain = replace(scope, by=None)
    whole = replace(plain, buckets=[Bucket(scope.start, scope.end, "total")])
    jobs = [(plain, name) for name in DEFAULT_TABLES]
    jobs += [(whole, name) for name in QUERIED_TOTALS]
    jobs += [(replace(whole, by=by), "volume") for by in BREAKDOWNS]  # type: ignore[arg-type]
    done = build_many(jobs=jobs, session=session, sessions=sessions)
    series = {t.name: t for t in done[:len(DEFAULT_TABLES)]}
    totals = {name: total_of(series[name]) for name in KPIS if name not in QUERIED_TOTALS}
    totals.update({t.name: t for t in done[len(DEFAULT_TABLES):-len(BREAKDOWNS)]})
    breakdowns = dict(zip(BREAKDOWNS, done[-len(BREAKDOWNS):], strict=True))
    return Dashboard(series=series, totals={k: totals[k] for k in KPIS},
                     breakdowns=breakdowns)
