"""Every error becomes JSON with a code and a sentence; nothing leaks as a 500 page."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pasokh.errors import Forbidden, NotFound, PasokhError, Unauthorized

log = logging.getLogger("pasokh.web")


def _sentence(error: dict[str, Any], locale: str = "en") -> str:
    location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    kind = error.get("type", "")
    fa = locale == "fa"
    if kind == "json_invalid":
        why = str(error.get("ctx", {}).get("error", ""))
        return ("بدنهٔ درخواست JSON درستی نیست: " if fa else
                "The request body is not valid JSON: ") + why
    if kind == "missing":
        return f"فیلد «{location}» لازم است." if fa else f"The field '{location}' is required."
    if kind == "extra_forbidden":
        return (f"فیلد «{location}» جزو این API نیست." if fa else
                f"The field '{location}' is not part of this API.")
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"'{location}': {message}." if location else f"{message}."


def request_locale(request: Request) -> str:
    """The reader's language: the page's when a person is on one, else what the client
    asks for with Accept-Language (fa or en; English when it does not say)."""
    page = getattr(request.state, "page_locale", None)
    if page in ("fa", "en"):
        return str(page)
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "fa" if first.startswith("fa") else "en"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/webhooks/")) and \
        "text/html" in request.headers.get("accept", "")


def _error_page(request: Request, exc: PasokhError) -> Response:
    """A page a browser can show: the sentence, in the person's language when known."""
    from pasokh.web.pages import _context, templates

    locale = getattr(request.state, "page_locale", "fa")
    return templates.TemplateResponse(
        request, "error.html",
        _context(request, locale, message=exc.sentence(locale), code=exc.code),
        status_code=exc.status_code)


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into clear 4xx answers."""

    @app.exception_handler(PasokhError)
    async def pasokh_error(request: Request, exc: PasokhError) -> Response:
        if isinstance(exc, Unauthorized) and _wants_html(request):
            return RedirectResponse("/login", status_code=303)
        if isinstance(exc, (Forbidden, NotFound)) and _wants_html(request):
            return _error_page(request, exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.as_dict(request_locale(request)), status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        json_error = any(e.get("type") == "json_invalid" for e in errors)
        body = {
            "code": "E400" if json_error else "E422",
            "detail": " ".join(_sentence(e, request_locale(request)) for e in errors[:5]),
            "errors": [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")}
                       for e in errors[:20]],
        }
        return JSONResponse(body, status_code=400 if json_error else 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "Request refused."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path[:200]}."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path[:200]}."
        return JSONResponse({"code": f"E{exc.status_code}", "detail": detail},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"code": "E500", "detail": "Something went wrong on our side; "
                             "it has been logged. Retrying is safe."}, status_code=500)
