"""Plumbing shared by the supervisor pages: who may open them, form tokens, parsing, errors.

The pages post ordinary HTML forms (no script needed): a handler checks the role and the
form's CSRF token, turns the fields into the domain's Pydantic schema, calls one service
function and redirects; on bad input it renders the same form again with the person's input
and a sentence saying what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from persiantools import digits
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from pasokh.errors import Forbidden, PasokhError
from pasokh.i18n import local_digits
from pasokh.security import same
from pasokh.web.auth import Principal, authenticate
from pasokh.web.errors import _sentence
from pasokh.web.pages import _context, templates
from pasokh.web.words import refusal, word
from pasokh.workspaces.models import Workspace

ADMINS = ("admin",)
SUPERVISORS = ("admin", "supervisor")
Values = dict[str, Any]
# Weekdays in the order a reader expects them (keys 0 = Monday … 6 = Sunday, as stored):
# the Iranian week starts on Saturday.
WEEK = {"fa": ("5", "6", "0", "1", "2", "3", "4"), "en": ("0", "1", "2", "3", "4", "5", "6")}


async def _form(request: Request) -> FormData:
    return await request.form(max_fields=2000)


FormBody = Annotated[FormData, Depends(_form)]


class FormError(ValueError):
    """Bad input found while reading a form; the message is already in the reader's words."""


def gate(request: Request, roles: tuple[str, ...], form: FormData | None = None) -> Principal:
    """The person on the page if their role may use it (and the form token is theirs)."""
    principal = authenticate(request)
    request.state.page_locale = principal.locale
    if principal.user_id is None:
        raise refusal(Forbidden, "pages_need_person")
    if principal.role not in roles:
        key = "only_admins" if roles == ADMINS else "only_supervisors"
        raise refusal(Forbidden, key)
    if form is not None:
        sent = form.get("csrf")
        if not isinstance(sent, str) or not principal.csrf_token or \
                not same(sent, principal.csrf_token):
            raise refusal(Forbidden, "form_expired")
    return principal


def render(request: Request, principal: Principal, session: Session, template: str, *,
           status: int = 200, **extra: Any) -> Response:
    """Render a supervisor page with the top bar, the section menu and a saved notice."""
    name = session.scalar(select(Workspace.name)
                          .where(Workspace.id == principal.workspace_id)) or ""
    done = request.query_params.get("done", "")
    return templates.TemplateResponse(
        request, template,
        _context(request, principal.locale, principal=principal, workspace_name=name,
                 csrf=principal.csrf_token, done=done if done.isidentifier() else "",
                 **extra),
        status_code=status)


def done(path: str, what: str = "saved") -> Response:
    """After a successful post, back to a page that says so (post/redirect/get)."""
    return RedirectResponse(f"{path}?done={what}", status_code=303)


def problem(exc: Exception, locale: str) -> str:
    """The sentence to show above a form for an error raised while saving it."""
    if isinstance(exc, ValidationError):
        return " ".join(_sentence(dict(e), locale) for e in exc.errors()[:3])
    if isinstance(exc, PasokhError):
        return exc.sentence(locale)
    return str(exc)


def values(form: FormData, multi: Iterable[str] = ()) -> Values:
    """The submitted fields as a dict (lists for `multi`), to render the form again."""
    out: Values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    for key in multi:
        out[key] = [v for v in form.getlist(key) if isinstance(v, str)]
    return out


def latin(text: str) -> str:
    """Persian and Arabic-Indic digits as ASCII, trimmed."""
    return str(digits.fa_to_en(digits.ar_to_fa(text))).strip()


def split_list(text: str) -> list[str]:
    """Items separated by commas (Latin or Persian) or new lines, blanks dropped."""
    return [item.strip() for item in re.split(r"[,،\n]", text) if item.strip()]


def whole_number(text: str, locale: str, label: str, *, low: int, high: int) -> int:
    """An integer in [low, high] from a text field, or a FormError naming the field."""
    value = latin(text)
    if not re.fullmatch(r"\d{1,9}", value) or not low <= int(value) <= high:
        raise FormError(word(locale, "bad_number").format(
            field=label, low=local_digits(str(low), locale), high=local_digits(str(high), locale)))
    return int(value)


_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–—تا]+\s*(\d{1,2}):(\d{2})$")


def time_spans(text: str, locale: str, label: str, *, allow_24: bool = True
               ) -> list[tuple[str, str]]:
    """"08:00-12:00, 13:00-17:00" as [("08:00", "12:00"), …]; empty text is no span."""
    spans = []
    for part in split_list(latin(text)):
        found = _SPAN.match(part)
        if not found:
            raise FormError(word(locale, "bad_hours").format(field=label, value=part[:40]))
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 23 or m1 > 59 or h2 > (24 if allow_24 else 23) or m2 > 59 or (h2 == 24 and m2) or \
                (h1, m1) >= (h2, m2):
            raise FormError(word(locale, "bad_hours").format(field=label, value=part[:40]))
        spans.append((f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"))
    return spans


def show_spans(spans: Iterable[Iterable[str]]) -> str:
    """The inverse of time_spans, for an input's value."""
    return ", ".join("-".join(span) for span in spans)
