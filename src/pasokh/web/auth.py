"""Who is calling: a bearer token for the API, a session cookie for pages; and what they may do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from pasokh.errors import Forbidden, Unauthorized
from pasokh.ttl import TTLCache
from pasokh.users.service import get_session_user
from pasokh.workspaces.service import check_token, do_touch_token, needs_touch

SESSION_COOKIE = "pasokh_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    workspace_id: int
    role: str
    user_id: int | None = None
    token_id: int | None = None
    csrf_token: str | None = None
    name: str = ""
    locale: str = "fa"


class TokenCache(TTLCache[str, Principal]):
    """Recently checked API tokens, so a busy integration costs no query per request.

    An entry lives `ttl` seconds: a token revoked in the database stops working within
    that time in every process (and at once in the process that revokes it, via `clear`).
    """

    def __init__(self, ttl: float = 5.0) -> None:
        super().__init__(ttl)


def _from_token(request: Request, secret: str) -> Principal:
    db = request.app.state.db
    with db.read() as session:
        token = check_token(session=session, secret=secret)
        principal = Principal(workspace_id=token.workspace_id, role=token.role,
                              user_id=token.user_id, token_id=token.id, name=token.name)
        touch = needs_touch(token)
    if touch:
        # A separate writer: upgrading a read snapshot to a write fails on a busy SQLite.
        with db.write() as session:
            do_touch_token(session=session, token_id=token.id)
            session.commit()
    return principal


def _from_cookie(request: Request, secret: str) -> Principal:
    with request.app.state.db.read() as session:
        user, row = get_session_user(session=session, secret=secret)
        return Principal(workspace_id=user.workspace_id, role=user.role, user_id=user.id,
                         csrf_token=row.csrf_token, name=user.name, locale=user.locale)


def authenticate(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer …` or the session cookie; else Unauthorized."""
    secret = _bearer(request)
    if secret is not None:
        return _from_token(request, secret)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        principal = _from_cookie(request, cookie)
        # A person in the browser reads errors in the language they chose for the pages.
        request.state.page_locale = principal.locale
        # A cookie rides along on cross-site requests; a header cannot be forged there.
        if request.method in UNSAFE_METHODS and request.url.path.startswith("/api/"):
            from pasokh.security import same

            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not principal.csrf_token or not same(sent, principal.csrf_token):
                raise Forbidden("Missing or wrong X-CSRF-Token header for a cookie session.",
                                fa="سرایند X-CSRF-Token برای نشست کوکی نیست یا درست نیست.")
        return principal
    raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.",
                       fa="احراز هویت لازم است: 'Authorization: Bearer <token>' را بفرستید.")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>' with a Pasokh API token.",
                           fa="'Authorization: Bearer <token>' را با یک توکن API پاسخ "
                           "بفرستید.")
    return secret.strip()


def _admit(principal: Principal, allowed: frozenset[str]) -> Principal:
    if principal.role not in allowed:
        raise Forbidden(
            f"Your role ({principal.role}) may not do this; it needs one of: "
            f"{', '.join(sorted(allowed))}.",
            fa=f"نقش شما ({principal.role}) اجازهٔ این کار را ندارد؛ یکی از این نقش‌ها "
            f"لازم است: {'، '.join(sorted(allowed))}.")
    return principal


def require_fast(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """`require` for hot async endpoints: a cached bearer token costs no thread or query."""
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        secret = _bearer(request)
        cache: TokenCache | None = getattr(request.app.state, "tokens", None)
        principal = cache.get(secret) if cache is not None and secret else None
        if principal is None:
            principal = await run_in_threadpool(authenticate, request)
            if cache is not None and secret:
                cache.put(secret, principal)
        request.state.principal = _admit(principal, allowed)
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the role-matrix test
    return dependency


def require(*roles: str) -> Callable[[Request], Principal]:
    """A dependency that admits only callers whose role is in `roles`."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        principal = _admit(authenticate(request), allowed)
        request.state.principal = principal
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the role-matrix test
    return dependency


# Who may do what, in one place; the role × route test reads these.
READERS = ("admin", "supervisor", "agent", "analyst", "integration")
PUSHERS = ("admin", "supervisor", "integration")
