"""The analytics dashboard page: KPIs, server-side SVG charts and CSV links."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from persiantools.jdatetime import JalaliDate
from sqlalchemy import select

from pasokh import i18n
from pasokh.analytics.charts import bar_chart, line_chart
from pasokh.analytics.dashboard import build_dashboard
from pasokh.analytics.query import MetricsQuery, check_scope
from pasokh.analytics.report import open_incidents
from pasokh.analytics.routes import METRICS_READERS, metrics_query
from pasokh.analytics.schemas import MetricTable
from pasokh.errors import Forbidden
from pasokh.web import words
from pasokh.web.auth import authenticate
from pasokh.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "web" / "templates"))

WORDS: dict[str, dict[str, str]] = {
    "fa": {
        "analytics": "گزارش‌ها", "volume": "گفت‌وگوهای تازه", "inbound_messages": "پیام‌های ورودی",
        "backlog": "باز در پایان دوره", "unanswered": "بی‌پاسخ",
        "first_response_human": "نخستین پاسخ انسانی", "first_response_bot": "نخستین پاسخ ربات",
        "next_response_human": "پاسخ‌های بعدی", "resolution": "زمان حل",
        "reopen_rate": "بازگشایی", "repeat_contact_rate": "تماس دوباره در ۷ روز",
        "sla_first_response": "تحقق SLA پاسخ نخست", "sla_resolution": "تحقق SLA حل",
        "csat_asked": "CSAT پرسیده", "csat_inferred": "CSAT استنباطی",
        "nps_asked": "NPS پرسیده", "nps_inferred": "NPS استنباطی",
        "ces_asked": "CES پرسیده", "ces_inferred": "CES استنباطی",
        "survey_comments": "پاسخ‌های نظرسنجی بدون امتیاز", "asked": "پرسیده", "inferred": "استنباطی",
        "measured": "اندازه‌گیری", "period": "دوره", "day": "روز", "week": "هفته",
        "month": "ماه", "from": "از", "to": "تا", "show": "نمایش", "export": "خروجی CSV",
        "crisis": "هشدار بحران", "since": "از", "count": "تعداد", "value": "مقدار",
        "key": "بخش", "tables": "جدول‌ها", "by_category": "بر پایهٔ دسته",
        "by_sentiment": "بر پایهٔ احساس", "by_channel": "بر پایهٔ کانال",
        "by_priority": "بر پایهٔ اولویت", "times": "زمان‌های پاسخ (دقیقه)",
        "satisfaction": "رضایت: پرسیده و استنباطی", "no_data": "داده‌ای نیست",
        "calendar": "تقویم", "jalali": "خورشیدی", "gregorian": "میلادی",
    },
    "en": {
        "analytics": "Analytics", "volume": "New conversations",
        "inbound_messages": "Inbound messages", "backlog": "Open at period end",
        "unanswered": "Unanswered", "first_response_human": "First response (human)",
        "first_response_bot": "First response (bot)", "next_response_human": "Next response",
        "resolution": "Resolution time", "reopen_rate": "Reopened",
        "repeat_contact_rate": "Came back within 7 days",
        "sla_first_response": "SLA met: first response", "sla_resolution": "SLA met: resolution",
        "csat_asked": "CSAT asked", "csat_inferred": "CSAT inferred", "nps_asked": "NPS asked",
        "nps_inferred": "NPS inferred", "ces_asked": "CES asked", "ces_inferred": "CES inferred",
        "survey_comments": "Survey replies without a score", "asked": "asked",
        "inferred": "inferred", "measured": "measured", "period": "Period", "day": "Day",
        "week": "Week", "month": "Month", "from": "From", "to": "To", "show": "Show",
        "export": "Export CSV", "crisis": "Crisis alert", "since": "since", "count": "Count",
        "value": "Value", "key": "Group", "tables": "Tables", "by_category": "By category",
        "by_sentiment": "By sentiment", "by_channel": "By channel",
        "by_priority": "By priority", "times": "Response times (minutes)",
        "satisfaction": "Satisfaction: asked and inferred", "no_data": "No data",
        "calendar": "Calendar", "jalali": "Jalali", "gregorian": "Gregorian",
    },
}


def fmt_value(unit: str, value: float | None, locale: str) -> str:
    """A metric value as a reader expects it: durations, percentages, scores."""
    if value is None:
        return "—"
    if unit == "seconds":
        return i18n.format_duration(value, locale)
    if unit == "ratio":
        text = f"{value * 100:.0f}%"
    elif unit == "percent":
        text = f"{value:.0f}%"
    elif unit == "nps":
        text = "\u200e" + f"{value:+.0f}"  # keep the sign on the left in RTL text
    elif unit == "score":
        text = f"{value:.1f}"
    else:
        text = f"{value:g}"
    return i18n.local_digits(text, locale)


def _total(table: MetricTable) -> tuple[int, float | None]:
    if not table.rows:
        return 0, None
    return table.rows[0].count, table.rows[0].value


def _series(table: MetricTable, periods: list[str], *, count: bool = False,
            scale: float = 1.0) -> list[float | None]:
    by_period = {r.period: (r.count if count else r.value) for r in table.rows if r.key is None}
    out: list[float | None] = []
    for p in periods:
        v = by_period.get(p)
        out.append(None if v is None else v * scale)
    return out


def _charts(data: Any, periods: list[str], locale: str, t: Any) -> dict[str, Any]:
    s, digits = data.series, (lambda v: i18n.local_digits(f"{v:g}", locale))
    labels = [i18n.local_digits(p, locale) for p in periods]
    volume = {t(n): [v or 0.0 for v in _series(s[n], periods, count=True)]
              for n in ("volume", "backlog")}
    times = {t(n): _series(s[n], periods, scale=1 / 60) for n in
             ("first_response_human", "first_response_bot", "next_response_human")}
    scores = {t(n): _series(s[n], periods) for n in ("csat_asked", "csat_inferred")}
    charts = {
        "volume": line_chart(labels=labels, series=volume, title=t("volume"), fmt=digits),
        "times": line_chart(labels=labels, series=times, title=t("times"),
                            fmt=lambda v: i18n.local_digits(f"{v:.0f}", locale)),
        "satisfaction": line_chart(labels=labels, series=scores, title=t("satisfaction"),
                                   fmt=lambda v: i18n.local_digits(f"{v:.0f}%", locale)),
    }
    for by, table in data.breakdowns.items():
        items = [(words.word(locale, r.key) if r.key else "—", float(r.count))
                 for r in table.rows]
        charts[f"by_{by}"] = bar_chart(items=items, title=t(f"by_{by}"), fmt=digits)
    return charts


def _shown_range(start: datetime, end: datetime, calendar: str, tz: str) -> tuple[str, str]:
    """The first and last day the dashboard reads, as a person would type them back."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    if calendar == "jalali":
        return _jalali(first), _jalali(last)
    return first.isoformat(), last.isoformat()


def _jalali(day: date) -> str:
    return str(JalaliDate(day).strftime("%Y-%m-%d"))  # type: ignore[no-untyped-call]


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request,
                   q: Annotated[MetricsQuery, Depends(metrics_query)]) -> Response:
    """The manager's dashboard over Jalali (fa) or Gregorian (en) periods."""
    principal = authenticate(request)
    if principal.user_id is None:
        raise words.refusal(Forbidden, "pages_need_person")
    if principal.role not in METRICS_READERS:
        raise Forbidden(f"Your role ({principal.role}) may not see the analytics dashboard.",
                        fa=f"نقش شما ({principal.role}) اجازهٔ دیدن داشبورد تحلیل را ندارد.")
    locale = principal.locale

    def t(key: str) -> str:
        return WORDS.get(locale, WORDS["en"]).get(key) or words.word(locale, key)

    with request.app.state.db.read() as session:
        scope, calendar, tz = check_scope(session=session, workspace_id=principal.workspace_id,
                                          locale=locale, q=q)
        data = build_dashboard(scope=scope, sessions=request.app.state.db.read)
        incidents = [i for i in open_incidents(session=session,
                                               workspace_id=principal.workspace_id)
                     if i.status == "open"]
        workspace_name = session.scalar(select(Workspace.name).where(
            Workspace.id == principal.workspace_id))
    periods = [b.label for b in scope.buckets]
    params = {k: v for k, v in vars(q).items() if v is not None}
    shown = _shown_range(scope.start, scope.end, calendar, tz)
    return templates.TemplateResponse(request, "analytics_dashboard.html", {
        "request": request, "locale": locale, "dir": i18n.direction(locale), "t": t,
        "num": lambda v: i18n.local_digits(str(v), locale),
        "dt": lambda v: i18n.format_datetime(v, locale),
        "fmt": lambda unit, v: fmt_value(unit, v, locale), "total": _total,
        "principal": principal, "csrf": principal.csrf_token, "workspace_name": workspace_name,
        "data": data, "charts": _charts(data, periods, locale, t), "incidents": incidents,
        "q": q, "calendar": calendar, "tz": tz, "periods": periods, "shown": shown,
        "csv": "/api/v1/metrics/export.csv?" + urlencode(params),
    })
