"""/api/v1/metrics: the dashboard's data as JSON and CSV, crisis incidents and checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from pasokh.analytics.crisis import do_check_crisis
from pasokh.analytics.export import to_csv
from pasokh.analytics.query import MetricsQuery, check_scope
from pasokh.analytics.report import build_tables, check_tables, open_incidents
from pasokh.analytics.schemas import IncidentRead, MetricsRead
from pasokh.db import utcnow
from pasokh.web.auth import Principal, require
from pasokh.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])

# Agents see their queue, not the managers' figures; an integration may export to a BI tool.
METRICS_READERS = ("admin", "supervisor", "analyst", "integration")
ALERT_RUNNERS = ("admin", "supervisor", "integration")
Reader = Annotated[Principal, Depends(require(*METRICS_READERS))]
Runner = Annotated[Principal, Depends(require(*ALERT_RUNNERS))]


def metrics_query(
    start: Annotated[str | None, Query(max_length=40, description=(
        "First day (2026-03-21, Jalali 1405-01-01) or ISO date-time; default 30 days ago"))]
    = None,
    end: Annotated[str | None, Query(max_length=40, description="Last day, inclusive")] = None,
    period: Annotated[str, Query(max_length=10, description="day, week or month")] = "day",
    calendar: Annotated[str | None, Query(max_length=10, description=(
        "jalali or gregorian; default from the caller's locale"))] = None,
    by: Annotated[str | None, Query(max_length=20, description=(
        "Breakdown: channel, team, agent, category, priority or sentiment"))] = None,
    channel: Annotated[str | None, Query(max_length=64)] = None,
    team: int | None = None, agent: int | None = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    priority: Annotated[str | None, Query(max_length=16)] = None,
) -> MetricsQuery:
    return MetricsQuery(start=start, end=end, period=period, calendar=calendar, by=by,
                        channel=channel, team=team, agent=agent, category=category,
                        priority=priority)


Params = Annotated[MetricsQuery, Depends(metrics_query)]
TablesParam = Annotated[str | None, Query(max_length=1000, description=(
    "Comma-separated table names; default every dashboard table; 'all' adds business hours"))]


def build_metrics(request: Request, principal: Principal, q: MetricsQuery,
                  tables: str | None) -> MetricsRead:
    """Compute the report for one caller (shared by the API and the dashboard page)."""
    names = check_tables(tables)
    with request.app.state.db.read() as session:
        scope, calendar, tz = check_scope(session=session, workspace_id=principal.workspace_id,
                                          locale=principal.locale, q=q)
        return MetricsRead(
            start=scope.start, end=scope.end, period=q.period, calendar=calendar, timezone=tz,
            by=q.by, periods=[b.label for b in scope.buckets],
            tables=build_tables(session=session, scope=scope, names=names),
            incidents=open_incidents(session=session, workspace_id=principal.workspace_id))


@router.get("", response_model=MetricsRead)
def get_metrics(request: Request, principal: Reader, q: Params,
                tables: TablesParam = None) -> MetricsRead:
    """Service metrics over Jalali or Gregorian days, weeks or months (docs/metrics.md)."""
    return build_metrics(request, principal, q, tables)


@router.get("/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def export_metrics(request: Request, principal: Reader, q: Params,
                   tables: TablesParam = None) -> Response:
    """The same tables as CSV: table, unit, source, period, key, count, value."""
    report = build_metrics(request, principal, q, tables)
    return Response(to_csv(report.tables), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="pasokh-metrics.csv"'})


@router.get("/incidents", response_model=list[IncidentRead])
def list_incidents(request: Request, principal: Reader) -> list[IncidentRead]:
    """Crisis incidents: open ones first, then the latest closed."""
    with request.app.state.db.read() as session:
        return open_incidents(session=session, workspace_id=principal.workspace_id)


@router.post("/crisis/check")
def check_crisis(request: Request, principal: Runner) -> dict[str, Any]:
    """Look for spikes now: open (and alert once), update or close incidents."""
    with request.app.state.db.write() as session:
        workspace = session.get(Workspace, principal.workspace_id)
        assert workspace is not None
        result = do_check_crisis(session=session, workspace=workspace, now=utcnow())
        opened = [(i.id, i.topic, i.window_count) for i in result.opened]
        answer = {"opened": [i for i, _t, _n in opened],
                  "updated": [i.id for i in result.updated],
                  "closed": [i.id for i in result.closed]}
        session.commit()
    for incident_id, topic, count in opened:  # the in-app alert, after commit
        request.app.state.events.publish(principal.workspace_id, "crisis.opened",
                                         {"incident_id": incident_id, "topic": topic,
                                          "count": count})
    return answer
