"""Server-rendered pages: login and logout (the agent desk lives in web/desk.py)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pasokh import i18n
from pasokh.db import utcnow
from pasokh.errors import Forbidden, NotFound, Unauthorized
from pasokh.security import new_token, same
from pasokh.users.service import check_login, do_close_session, do_open_session
from pasokh.web import words
from pasokh.web.auth import SESSION_COOKIE, authenticate
from pasokh.web.reasons import say_reason
from pasokh.workspaces.service import get_workspace

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.autoescape = True  # every template, whatever its file name: customer text is hostile
LOGIN_CSRF_COOKIE = "pasokh_login_csrf"
TEHRAN = ZoneInfo("Asia/Tehran")


@lru_cache(maxsize=4096)
def _jalali_day(day: date) -> str:
    return i18n.format_datetime(datetime.combine(day, time(12), tzinfo=TEHRAN), "fa")[:10]


def format_datetime(value: datetime | None, locale: str) -> str:
    """`i18n.format_datetime`, with each Jalali day converted once (a page shows hundreds)."""
    if value is None or locale != "fa":
        return i18n.format_datetime(value, locale)
    local = value.astimezone(TEHRAN)
    return f"{_jalali_day(local.date())} {i18n.local_digits(local.strftime('%H:%M'), 'fa')}"


def _context(request: Request, locale: str, **extra: Any) -> dict[str, Any]:
    return {
        "request": request, "locale": locale, "dir": i18n.direction(locale),
        "t": lambda key: words.word(locale, key),
        "dt": lambda value: format_datetime(value, locale),
        "num": lambda value: i18n.local_digits(str(value), locale),
        "say_reason": lambda reason: say_reason(reason, locale),
        "say_reasons": lambda reasons: [say_reason(r, locale) for r in reasons or ()],
        "time_iso": lambda value: value.isoformat() if value else "",
        "waited": lambda since: i18n.format_duration((utcnow() - since).total_seconds(), locale)
        if since else "",
        **extra,
    }


@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return RedirectResponse("/inbox", status_code=303)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for it on pages that do not name their icon (the API docs, a JSON error)."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, lang: str = "fa", error: str | None = None) -> Response:
    locale = lang if lang in ("fa", "en") else "fa"
    csrf = new_token()
    response = templates.TemplateResponse(
        request, "login.html",
        _context(request, locale, csrf=csrf, error=error,
                 workspace=request.query_params.get("workspace", "")),
        status_code=401 if error else 200,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=request.app.state.settings.cookie_secure, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    workspace: Annotated[str, Form(max_length=64)],
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)],
    lang: Annotated[str, Form(max_length=8)] = "fa",
) -> Response:
    """Check the credentials and open a session (a fresh cookie, never the old one)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same(expected, csrf):
        raise Forbidden("The login form expired; reload the page and try again.",
                        fa="فرم ورود کهنه شده است؛ صفحه را دوباره بارگذاری کنید و باز "
                        "امتحان کنید.")
    settings = request.app.state.settings
    try:
        with request.app.state.db.write() as session:
            ws = get_workspace(session=session, slug=workspace.strip().lower())
            user = check_login(session=session, workspace=ws, email=email, password=password)
            secret, _row = do_open_session(session=session, user=user,
                                           hours=settings.session_hours)
            session.commit()
    except (Unauthorized, NotFound):
        return login_form(request, lang=lang, error=i18n.word(lang, "login_failed"))
    response = RedirectResponse("/inbox", status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=settings.cookie_secure, max_age=settings.session_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=128)]) -> Response:
    principal = authenticate(request)
    if not principal.csrf_token or not same(principal.csrf_token, csrf):
        raise words.refusal(Forbidden, "form_expired")
    with request.app.state.db.write() as session:
        do_close_session(session=session, secret=request.cookies.get(SESSION_COOKIE, ""))
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
