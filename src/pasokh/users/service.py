"""Create users, check passwords, open and close browser sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.customers.identity import normalise_email
from pasokh.db import utcnow
from pasokh.errors import Conflict, NotFound, Unauthorized, Unprocessable
from pasokh.security import hash_password, new_token, token_hash, verify_password
from pasokh.types import ROLES
from pasokh.users.models import Team, TeamMember, User, UserSession
from pasokh.workspaces.models import ApiToken, Workspace

MIN_PASSWORD = 8


def do_create_user(
    *, session: Session, workspace: Workspace, email: str, name: str, password: str,
    role: str, locale: str | None = None,
) -> User:
    """Create a user in `workspace`; Conflict if the e-mail is taken there."""
    email = normalise_email(email)
    if role not in ROLES:
        raise Unprocessable(f"Unknown role '{role}': choose one of {', '.join(ROLES)}.",
                            fa=f"نقش «{role}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
                            f"{'، '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise Unprocessable(f"The password is too short: use at least {MIN_PASSWORD} characters.",
                            fa=f"گذرواژه کوتاه است: دست‌کم {MIN_PASSWORD} نویسه بگذارید.")
    exists = session.scalar(
        select(User.id).where(User.workspace_id == workspace.id, User.email == email)
    )
    if exists is not None:
        raise Conflict(f"A user with e-mail {email} already exists in this workspace.",
                       fa=f"کاربری با ایمیل {email} در این فضای کاری هست.")
    user = User(workspace_id=workspace.id, email=email, name=name.strip() or email,
                password_hash=hash_password(password), role=role,
                locale=locale or workspace.default_locale)
    session.add(user)
    session.flush()
    do_audit(session=session, workspace_id=workspace.id, action="user.created",
             target_type="user", target_id=user.id, details={"role": role})
    return user


def do_create_team(*, session: Session, workspace: Workspace, name: str,
                   members: list[User] | None = None) -> Team:
    """Create a team with `members`."""
    team = Team(workspace_id=workspace.id, name=name)
    session.add(team)
    session.flush()
    for user in members or []:
        session.add(TeamMember(team_id=team.id, user_id=user.id))
    return team


def check_login(*, session: Session, workspace: Workspace, email: str, password: str) -> User:
    """The active user with these credentials, or Unauthorized (same sentence either way)."""
    user = session.scalar(
        select(User).where(User.workspace_id == workspace.id,
                           User.email == email.strip().lower())
    )
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Unauthorized("The e-mail or the password is wrong.",
                           fa="ایمیل یا گذرواژه درست نیست.")
    return user


def do_open_session(*, session: Session, user: User, hours: int) -> tuple[str, UserSession]:
    """Start a browser session; returns the cookie value (shown once) and the row."""
    secret = new_token()
    row = UserSession(token_hash=token_hash(secret), user_id=user.id, csrf_token=new_token(),
                      expires_at=utcnow() + timedelta(hours=hours))
    session.add(row)
    session.flush()
    do_audit(session=session, workspace_id=user.workspace_id, action="user.login",
             target_type="user", target_id=user.id, actor_user_id=user.id)
    return secret, row


def get_session_user(*, session: Session, secret: str) -> tuple[User, UserSession]:
    """The user behind a session cookie, or Unauthorized when unknown or expired."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(secret)))
    if row is None or row.expires_at <= utcnow():
        raise Unauthorized("Your session has expired; please log in again.",
                           fa="نشست شما تمام شده است؛ دوباره وارد شوید.")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Your account is disabled.", fa="حساب شما غیرفعال است.")
    return user, row


def do_close_session(*, session: Session, secret: str) -> None:
    """Log out: forget the session."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(secret)))


def get_user(*, session: Session, workspace_id: int, user_id: int) -> User:
    """One person of the workspace, or NotFound."""
    user = session.get(User, user_id)
    if user is None or user.workspace_id != workspace_id:
        raise NotFound(f"User {user_id} does not exist in this workspace.",
                       fa=f"کاربر {user_id} در این فضای کاری نیست.")
    return user


def _check_not_last_admin(session: Session, user: User, doing: str) -> None:
    if user.role != "admin" or not user.is_active:
        return
    others = session.scalar(select(func.count()).select_from(User).where(
        User.workspace_id == user.workspace_id, User.role == "admin",
        User.is_active.is_(True), User.id != user.id))
    if not others:
        doing_fa = {"deactivated": "غیرفعال کرد", "demoted": "از مدیری برداشت"}.get(doing, doing)
        raise Conflict(f"{user.name} is the last active admin and cannot be {doing}; make "
                       "someone else an admin first.",
                       fa=f"{user.name} آخرین مدیر فعال است و نمی‌توان او را {doing_fa}؛ "
                       "اول کس دیگری را مدیر کنید.")


def do_set_role(*, session: Session, user: User, role: str, actor_user_id: int | None) -> None:
    """Give `user` another role; the workspace always keeps one active admin."""
    if role not in ROLES:
        raise Unprocessable(f"Unknown role '{role[:20]}': choose one of {', '.join(ROLES)}.",
                            fa=f"نقش «{role[:20]}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
                            f"{'، '.join(ROLES)}.")
    if role == user.role:
        return
    if role != "admin":
        _check_not_last_admin(session, user, "demoted")
    before, user.role = user.role, role
    session.flush()
    do_audit(session=session, workspace_id=user.workspace_id, action="user.role_changed",
             target_type="user", target_id=user.id, actor_user_id=actor_user_id,
             details={"from": before, "to": role})


def do_set_active(*, session: Session, user: User, active: bool,
                  actor_user_id: int | None) -> None:
    """Deactivate (log out, revoke tokens) or reactivate a person; never the last admin."""
    if active == user.is_active:
        return
    if not active:
        if user.id == actor_user_id:
            raise Conflict("You cannot deactivate yourself; ask another admin.",
                           fa="نمی‌توانید خودتان را غیرفعال کنید؛ از مدیر دیگری بخواهید.")
        _check_not_last_admin(session, user, "deactivated")
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
    user.is_active = active
    session.flush()
    do_audit(session=session, workspace_id=user.workspace_id,
             action="user.activated" if active else "user.deactivated", target_type="user",
             target_id=user.id, actor_user_id=actor_user_id)
