"""SLA policies and the business calendar (weekly hours, zone, Jalali holidays) pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from pasokh import i18n
from pasokh.errors import Conflict, Unprocessable
from pasokh.routing import config
from pasokh.routing.holidays import LUNAR
from pasokh.routing.models import CalendarHoliday
from pasokh.routing.schemas import CalendarUpdate, HolidayCreate, PolicyUpdate
from pasokh.types import PRIORITIES
from pasokh.web.forms import (
    SUPERVISORS,
    WEEK,
    FormBody,
    FormError,
    Values,
    done,
    gate,
    latin,
    problem,
    render,
    show_spans,
    time_spans,
    values,
    whole_number,
)
from pasokh.web.words import word

router = APIRouter(include_in_schema=False)
TARGETS = (("first", "first_response"), ("next", "next_response"),
           ("resolution", "resolution"))
LIMITS = {"first": 100_000, "next": 100_000, "resolution": 1_000_000}
ZONES = ("Asia/Tehran", "Asia/Dubai", "Asia/Baku", "Asia/Kabul", "Europe/Istanbul",
         "Europe/Berlin", "Europe/London", "America/Toronto", "America/New_York", "UTC")
UNVERIFIED = frozenset(h.day for h in LUNAR if not h.verified)


# --- SLA policies ---------------------------------------------------------------------------

def _policy_values(rows: dict[str, tuple[int, int, int, int]]) -> Values:
    v: Values = {}
    for priority, (*minutes, warn) in rows.items():
        for (key, _label), value in zip(TARGETS, minutes, strict=True):
            hours = value % 60 == 0
            v[f"{priority}_{key}"] = str(value // 60 if hours else value)
            v[f"{priority}_{key}_unit"] = "h" if hours else "m"
        v[f"{priority}_warn"] = str(warn)
    return v


def policies_from(v: Values, locale: str) -> dict[str, PolicyUpdate]:
    """The SLA form's fields as one validated policy per priority."""
    out = {}
    for priority in PRIORITIES:
        minutes = {}
        for key, label in TARGETS:
            per = 60 if v.get(f"{priority}_{key}_unit") == "h" else 1
            name = f"{word(locale, priority)} · {word(locale, label)}"
            minutes[key] = per * whole_number(str(v.get(f"{priority}_{key}", "")), locale, name,
                                              low=1, high=LIMITS[key] // per)
        warn = whole_number(str(v.get(f"{priority}_warn", "")), locale,
                            f"{word(locale, priority)} · {word(locale, 'warn_at')}", low=1, high=99)
        out[priority] = PolicyUpdate(first_response_minutes=minutes["first"],
                                     next_response_minutes=minutes["next"],
                                     resolution_minutes=minutes["resolution"],
                                     warn_at_percent=warn)
    return out


def _sla_page(request: Request, principal: Any, v: Values | None = None, error: str = "",
              status: int = 200) -> Response:
    with request.app.state.db.read() as session:
        if v is None:
            v = _policy_values({p: config.policy_minutes(
                session=session, workspace_id=principal.workspace_id, priority=p)
                for p in PRIORITIES})
        return render(request, principal, session, "admin_sla.html", status=status,
                      section="sla", v=v, error=error, priorities=PRIORITIES, targets=TARGETS)


@router.get("/admin/sla", response_class=HTMLResponse)
def sla_page(request: Request) -> Response:
    """SLA targets per priority, in business minutes or hours."""
    return _sla_page(request, gate(request, SUPERVISORS))


@router.post("/admin/sla")
def save_sla(request: Request, form: FormBody) -> Response:
    """Set the targets of every priority at once."""
    principal = gate(request, SUPERVISORS, form)
    v = values(form)
    try:
        policies = policies_from(v, principal.locale)
    except FormError as exc:
        return _sla_page(request, principal, v, str(exc), 422)
    with request.app.state.db.write() as session:
        for priority, data in policies.items():
            config.do_set_policy(session=session, workspace_id=principal.workspace_id,
                                 priority=priority, first=data.first_response_minutes,
                                 nxt=data.next_response_minutes,
                                 resolution=data.resolution_minutes,
                                 warn_at_percent=data.warn_at_percent)
        session.commit()
    return done("/admin/sla")


# --- the business calendar ----------------------------------------------------------------

def calendar_from(v: Values, locale: str) -> CalendarUpdate:
    """The calendar form's fields as the API's schema."""
    weekly = {}
    for key in WEEK["en"]:
        spans = time_spans(str(v.get(f"hours_{key}", "")), locale, word(locale, f"wd_{key}"))
        if spans:
            weekly[key] = spans
    return CalendarUpdate(name=str(v.get("name", "")).strip()[:200] or "Iran",
                          timezone=latin(str(v.get("timezone", ""))) or "Asia/Tehran",
                          weekly_hours=weekly)


def holiday_from(v: Values, locale: str) -> HolidayCreate:
    """The new-holiday fields: a Jalali or Gregorian date and the occasion's name."""
    text = str(v.get("day", ""))
    try:
        day = i18n.parse_day(text)
    except ValueError as exc:
        raise FormError(word(locale, "bad_date").format(value=text[:40])) from exc
    name = str(v.get("name", "")).strip()
    if not name:
        raise FormError(word(locale, "need_name"))
    return HolidayCreate(day=day, name=name[:200])


def holiday_name(name: str, kind: str, locale: str) -> str:
    """A shipped holiday's name in the reader's language ("نوروز / Nowruz" holds both)."""
    if kind == "custom":
        return name
    side = 0 if locale == "fa" else 1
    parts = [p.split(" / ") for p in name.split("؛ ")]
    return ("، " if locale == "fa" else "; ").join(
        p[side] if len(p) == 2 else " / ".join(p) for p in parts)


def _calendar_page(request: Request, principal: Any, *, cal_v: Values | None = None,
                   cal_error: str = "", hol_v: Values | None = None, hol_error: str = "",
                   status: int = 200) -> Response:
    with request.app.state.db.write() as session:  # the first visit creates the calendar
        cal = config.do_ensure_calendar(session=session, workspace_id=principal.workspace_id)
        session.commit()
        if cal_v is None:
            cal_v = {"name": cal.name, "timezone": cal.timezone,
                     **{f"hours_{k}": show_spans(cal.weekly_hours.get(k, []))
                        for k in WEEK["en"]}}
        holidays = session.scalars(select(CalendarHoliday)
                                   .where(CalendarHoliday.calendar_id == cal.id)
                                   .order_by(CalendarHoliday.day)).all()
        return render(request, principal, session, "admin_calendar.html", status=status,
                      section="calendar", cal_v=cal_v, cal_error=cal_error,
                      hol_v=hol_v or {}, hol_error=hol_error, holidays=holidays,
                      week=WEEK.get(principal.locale, WEEK["en"]), zones=ZONES,
                      unverified=UNVERIFIED, day=lambda d: i18n.format_date(d, principal.locale),
                      jalali=i18n.jalali_date,
                      holiday_name=lambda h: holiday_name(h.name, h.kind, principal.locale))


@router.get("/admin/calendar", response_class=HTMLResponse)
def calendar_page(request: Request) -> Response:
    """Weekly hours, time zone and the holiday table (Jalali dates for Persian readers)."""
    return _calendar_page(request, gate(request, SUPERVISORS))


@router.post("/admin/calendar")
def save_calendar(request: Request, form: FormBody) -> Response:
    """Replace the working week and the time zone."""
    principal = gate(request, SUPERVISORS, form)
    v = values(form)
    try:
        data = calendar_from(v, principal.locale)
        with request.app.state.db.write() as session:
            config.do_set_calendar(session=session, workspace_id=principal.workspace_id,
                                   data=data)
            session.commit()
    except (FormError, ValidationError, Unprocessable) as exc:
        return _calendar_page(request, principal, cal_v=v,
                              cal_error=problem(exc, principal.locale), status=422)
    return done("/admin/calendar")


@router.post("/admin/calendar/holidays")
def add_holiday(request: Request, form: FormBody) -> Response:
    """Close the calendar on one more day."""
    principal = gate(request, SUPERVISORS, form)
    v = values(form)
    try:
        data = holiday_from(v, principal.locale)
        with request.app.state.db.write() as session:
            config.do_add_holiday(session=session, workspace_id=principal.workspace_id,
                                  day=data.day, name=data.name)
            session.commit()
    except (FormError, ValidationError, Conflict) as exc:
        return _calendar_page(request, principal, hol_v=v,
                              hol_error=problem(exc, principal.locale), status=422)
    return done("/admin/calendar", "created")


@router.post("/admin/calendar/holidays/{holiday_id}/delete")
def delete_holiday(holiday_id: int, request: Request, form: FormBody) -> Response:
    """Reopen a day."""
    principal = gate(request, SUPERVISORS, form)
    with request.app.state.db.write() as session:
        session.delete(config.get_holiday(session=session, workspace_id=principal.workspace_id,
                                          holiday_id=holiday_id))
        session.commit()
    return done("/admin/calendar", "deleted")
