"""Create workspaces and API tokens; authenticate bearer tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.db import utcnow
from pasokh.errors import Conflict, NotFound, Unauthorized, Unprocessable
from pasokh.security import TOKEN_PREFIX, new_token, token_hash
from pasokh.types import TOKEN_ROLES
from pasokh.workspaces.models import ApiToken, Workspace

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def check_slug(slug: str) -> str:
    """Validate a workspace or channel slug: lower-case letters, digits and dashes."""
    if not _SLUG.match(slug):
        raise Unprocessable(
            f"'{slug[:64]}' is not a valid slug: use 2–63 lower-case letters, digits and dashes.",
            fa=f"«{slug[:64]}» شناسهٔ درستی نیست: ۲ تا ۶۳ حرف کوچک لاتین، رقم و خط تیره "
            "به کار ببرید.")
    return slug


def get_workspace(*, session: Session, slug: str) -> Workspace:
    """The workspace called `slug`, or NotFound."""
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound(f"There is no workspace '{slug}'.", fa=f"فضای کاری «{slug}» نیست.")
    return workspace


def do_create_workspace(
    *, session: Session, slug: str, name: str, default_locale: str = "fa",
    timezone: str = "Asia/Tehran",
) -> Workspace:
    """Create a workspace; Conflict if the slug is taken."""
    check_slug(slug)
    if default_locale not in ("fa", "en"):
        raise Unprocessable("The default locale must be 'fa' or 'en'.",
                            fa="زبان پیش‌فرض باید 'fa' یا 'en' باشد.")
    if session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise Conflict(f"A workspace called '{slug}' already exists.",
                       fa=f"فضای کاری «{slug}» از پیش هست.")
    workspace = Workspace(slug=slug, name=name, default_locale=default_locale, timezone=timezone)
    session.add(workspace)
    session.flush()
    do_audit(session=session, workspace_id=workspace.id, action="workspace.created",
             target_type="workspace", target_id=workspace.id)
    return workspace


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def do_create_token(
    *, session: Session, workspace: Workspace, name: str, role: str,
    user_id: int | None = None,
) -> IssuedToken:
    """Issue an API token for `workspace` with `role`; the secret is returned once."""
    if role not in TOKEN_ROLES:
        raise Unprocessable(f"Unknown role '{role}': choose one of {', '.join(TOKEN_ROLES)}.",
                            fa=f"نقش «{role}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
                            f"{'، '.join(TOKEN_ROLES)}.")
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken(workspace_id=workspace.id, name=name, role=role, user_id=user_id,
                     token_hash=token_hash(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    do_audit(session=session, workspace_id=workspace.id, action="token.created",
             target_type="api_token", target_id=token.id, details={"role": role, "name": name})
    return IssuedToken(token=token, secret=secret)


# Writing last_used_at on every request would turn every read into a write.
_TOUCH_EVERY = timedelta(minutes=5)


def check_token(*, session: Session, secret: str) -> ApiToken:
    """The live token whose secret is `secret`, or Unauthorized."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized("The API token is not valid (unknown or revoked).",
                           fa="توکن API معتبر نیست (ناشناخته یا باطل‌شده).")
    return token


def needs_touch(token: ApiToken) -> bool:
    """Whether last_used_at is stale enough to be worth a write."""
    return token.last_used_at is None or utcnow() - token.last_used_at > _TOUCH_EVERY


def do_touch_token(*, session: Session, token_id: int) -> None:
    """Record that a token was used just now."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id)
                    .values(last_used_at=utcnow()))


def do_update_workspace(*, session: Session, workspace: Workspace, name: str,
                        default_locale: str, settings: dict[str, dict[str, Any]],
                        actor_user_id: int | None = None) -> None:
    """Rename the workspace, set its default language and replace whole settings sections.

    `settings` maps a section ("routing", "surveys"…) to its new value, already validated by
    the owning domain; other sections are kept.
    """
    if default_locale not in ("fa", "en"):
        raise Unprocessable("The default locale must be 'fa' or 'en'.",
                            fa="زبان پیش‌فرض باید 'fa' یا 'en' باشد.")
    if not name.strip():
        raise Unprocessable("The workspace needs a name.", fa="فضای کاری به نام نیاز دارد.")
    workspace.name, workspace.default_locale = name.strip(), default_locale
    # A new dict, so the JSON column sees the change.
    workspace.settings = {**(workspace.settings or {}), **settings}
    session.flush()
    do_audit(session=session, workspace_id=workspace.id, action="workspace.updated",
             target_type="workspace", target_id=workspace.id, actor_user_id=actor_user_id,
             details={"sections": sorted(settings)})
