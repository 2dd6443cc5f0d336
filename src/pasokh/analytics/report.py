"""The catalogue of metric tables and the report that gathers them for one scope."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.analytics import inferred, metrics, satisfaction
from pasokh.analytics.models import CrisisIncident
from pasokh.analytics.schemas import IncidentRead, MetricRow, MetricTable
from pasokh.analytics.sql import Row, Scope
from pasokh.channels.models import Channel
from pasokh.errors import BadRequest
from pasokh.users.models import Team, User

Metric = Callable[..., list[Row]]


@dataclass(frozen=True)
class Spec:
    """How to compute one table, its unit and whether it is measured, asked or inferred."""

    fn: Metric
    unit: str
    source: str = "measured"


def _sla_targets(session: Session, workspace_id: int) -> dict[str, tuple[int, int]]:
    from pasokh.routing.config import policy_minutes

    out = {}
    for priority in metrics.DEFAULT_SLA:
        first, _next, resolution, _warn = policy_minutes(
            session=session, workspace_id=workspace_id, priority=priority)
        out[priority] = (first, resolution)
    return out


def _sla(which: str) -> Metric:
    def fn(*, session: Session, scope: Scope) -> list[Row]:
        return metrics.sla_attainment(session=session, scope=scope, which=which,
                                      targets=_sla_targets(session, scope.workspace_id))
    return fn


def _business_frt(*, session: Session, scope: Scope) -> list[Row]:
    from pasokh.routing.calendar import business_minutes_between
    from pasokh.routing.config import load_calendar

    calendar = load_calendar(session=session, workspace_id=scope.workspace_id)
    return metrics.business_first_response(
        session=session, scope=scope,
        business_minutes=partial(business_minutes_between, calendar))


TABLES: dict[str, Spec] = {
    "volume": Spec(metrics.volume, "conversations"),
    "inbound_messages": Spec(metrics.inbound_messages, "messages"),
    "backlog": Spec(metrics.backlog, "conversations"),
    "unanswered": Spec(metrics.unanswered, "conversations"),
    "first_response_human": Spec(metrics.first_response_human, "seconds"),
    "first_response_bot": Spec(metrics.first_response_bot, "seconds"),
    "next_response_human": Spec(metrics.next_response_human, "seconds"),
    "resolution": Spec(metrics.resolution, "seconds"),
    "reopen_rate": Spec(metrics.reopen_rate, "ratio"),
    "repeat_contact_rate": Spec(metrics.repeat_contact_rate, "ratio"),
    "sla_first_response": Spec(_sla("first_response"), "ratio"),
    "sla_resolution": Spec(_sla("resolution"), "ratio"),
    "csat_asked": Spec(partial(satisfaction.asked, kind="csat"), "percent", "asked"),
    "nps_asked": Spec(partial(satisfaction.asked, kind="nps"), "nps", "asked"),
    "ces_asked": Spec(partial(satisfaction.asked, kind="ces"), "score", "asked"),
    "survey_comments": Spec(satisfaction.comments, "answers", "asked"),
    "csat_inferred": Spec(inferred.inferred_csat, "percent", "inferred"),
    "nps_inferred": Spec(inferred.inferred_nps, "nps", "inferred"),
    "ces_inferred": Spec(inferred.inferred_ces, "score", "inferred"),
    # Reads every answered conversation in scope into Python (the calendar is Python):
    # asked for explicitly, never part of the default dashboard.
    "first_response_human_business": Spec(_business_frt, "seconds"),
}
DEFAULT_TABLES = tuple(name for name in TABLES if name != "first_response_human_business")


def check_tables(names: str | None) -> list[str]:
    """Table names from a comma-separated list (all default tables when empty)."""
    if not names:
        return list(DEFAULT_TABLES)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if wanted == ["all"]:
        return list(TABLES)
    unknown = [n for n in wanted if n not in TABLES]
    if unknown:
        raise BadRequest(f"Unknown metric table '{unknown[0][:40]}': use one of "
                         f"{', '.join(TABLES)}.",
                         fa=f"جدول سنجهٔ «{unknown[0][:40]}» شناخته نیست؛ یکی از این‌ها را "
                         f"بگذارید: {'، '.join(TABLES)}.")
    return wanted


def _key_names(session: Session, scope: Scope) -> dict[str, str]:
    """Readable names for id breakdowns (channel key, team or agent name)."""
    model: dict[str, tuple[type, str]] = {"channel": (Channel, "key"), "team": (Team, "name"),
                                          "agent": (User, "name")}
    if scope.by not in model:
        return {}
    table, column = model[scope.by]
    rows = select(table.id, getattr(table, column)).where(  # type: ignore[attr-defined]
        table.workspace_id == scope.workspace_id)  # type: ignore[attr-defined]
    return {str(i): str(name) for i, name in session.execute(rows)}


def build_tables(*, session: Session, scope: Scope, names: list[str]) -> list[MetricTable]:
    """Compute the named tables for one scope."""
    labels = _key_names(session, scope)
    out = []
    for name in names:
        spec = TABLES[name]
        rows = spec.fn(session=session, scope=scope)
        out.append(MetricTable(name=name, unit=spec.unit, source=spec.source, rows=[
            MetricRow(period=r.period, key=labels.get(r.key, r.key) if r.key else r.key,
                      count=r.count, value=None if r.value is None else round(r.value, 4))
            for r in rows]))
    return out


def build_many(*, jobs: list[tuple[Scope, str]], session: Session | None = None,
               sessions: Callable[[], Session] | None = None, workers: int = 4
               ) -> list[MetricTable]:
    """Compute (scope, table) jobs: in one session, or concurrently with one session each.

    Concurrent reads are safe on both databases (SQLite in WAL mode, PostgreSQL's pool);
    the queries are independent, so a dashboard takes about as long as its slowest few.
    """
    if sessions is None:
        assert session is not None
        return [build_tables(session=session, scope=sc, names=[n])[0] for sc, n in jobs]

    def one(job: tuple[Scope, str]) -> MetricTable:
        with sessions() as own:
            return build_tables(session=own, scope=job[0], names=[job[1]])[0]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))


def open_incidents(*, session: Session, workspace_id: int, limit: int = 20
                   ) -> list[IncidentRead]:
    """Open incidents first, then the latest closed ones."""
    rows = session.scalars(select(CrisisIncident).where(
        CrisisIncident.workspace_id == workspace_id)
        .order_by(CrisisIncident.status.desc(), CrisisIncident.id.desc()).limit(limit))
    return [IncidentRead(id=i.id, topic=i.topic, status=i.status, started_at=i.started_at,
                         last_seen_at=i.last_seen_at, closed_at=i.closed_at,
                         window_count=i.window_count, peak_count=i.peak_count,
                         expected=round(i.baseline, 3)) for i in rows]
