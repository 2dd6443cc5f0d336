"""A per-process copy of each workspace's routing configuration that is never stale.

What routing reads for every message (rules, team skills, the calendar with its holidays,
SLA policies, the workspace's routing settings) changes rarely, so each process keeps one
copy per workspace, named by the workspace's row in `routing_config_versions`. How it stays
right, in every process:

1. Every change to those tables made through a Session (the do_* functions of
   routing.config, the API, the supervisor pages, tests adding rows directly) writes a new
   random version in the same transaction (routing/versions.py). The version commits or
   rolls back with the edit.
2. A route job reads the version first (one primary-key SELECT, once per transaction) and
   uses the copy only if it was stored under that version; otherwise it reads the
   configuration and stores it under the version it read *before* reading it, so a copy
   is at worst labelled older than its content, never newer.
3. A workspace without a version row is read afresh every time (nothing is cached).

So the next route job after an edit commits, in this or any other process, routes with
the edit. Edits made with raw SQL must call `versions.bump_config` too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from pasokh.routing.calendar import WorkCalendar, make_calendar
from pasokh.routing.models import (
    BusinessCalendar,
    CalendarHoliday,
    RoutingConfigVersion,
    RoutingRule,
    SlaPolicy,
    TeamSkill,
)
from pasokh.routing.rules import Facts, Rule
from pasokh.routing.versions import MEMO_KEY
from pasokh.workspaces.models import Workspace

# Business minutes: (first response, next response, resolution).
DEFAULT_SLA: dict[str, tuple[int, int, int]] = {
    "urgent": (15, 30, 240), "high": (60, 120, 540),
    "normal": (240, 480, 1620), "low": (480, 960, 2700),
}
DEFAULT_WARN_PERCENT = 80


@dataclass(frozen=True)
class TeamSkills:
    team_id: int
    categories: frozenset[str]
    languages: frozenset[str]
    channel_kinds: frozenset[str]

    def covers(self, facts: Facts) -> bool:
        return ((not self.categories or facts.category in self.categories)
                and (not self.languages or facts.language in self.languages)
                and (not self.channel_kinds or facts.channel in self.channel_kinds))


@dataclass(frozen=True)
class RoutingConfig:
    """Everything a route decision reads besides the conversation itself."""

    version: str | None
    rules: tuple[Rule, ...]
    teams: tuple[TeamSkills, ...]  # by team id: the first that covers a conversation wins
    calendar: WorkCalendar
    policies: Mapping[str, tuple[int, int, int, int]]
    technical_handling: str | None

    def policy(self, priority: str) -> tuple[int, int, int, int]:
        """(first response, next response, resolution, warn %) for a priority."""
        found = self.policies.get(priority)
        if found is not None:
            return found
        first, nxt, resolution = DEFAULT_SLA.get(priority, DEFAULT_SLA["normal"])
        return first, nxt, resolution, DEFAULT_WARN_PERCENT

    def team_for(self, facts: Facts) -> int | None:
        """The first team whose skills cover the conversation (no rule named a team)."""
        return next((t.team_id for t in self.teams if t.covers(facts)), None)

    def handling(self, handling: str) -> str:
        """Apply the workspace's policy for technical problems: ticket or private invitation."""
        if handling == "ticket" and self.technical_handling == "invite_private":
            return "invite_private"
        return handling


_R, _T, _H, _P = RoutingRule, TeamSkill, CalendarHoliday, SlaPolicy
_VERSION = select(RoutingConfigVersion.version) \
    .where(RoutingConfigVersion.workspace_id == bindparam("ws"))
_RULES = select(_R.id, _R.name, _R.conditions, _R.team_id, _R.priority_override, _R.tags,
                _R.handling, _R.is_default) \
    .where(_R.workspace_id == bindparam("ws"), _R.is_active.is_(True)) \
    .order_by(_R.position, _R.id)
_TEAMS = select(_T.team_id, _T.categories, _T.languages, _T.channel_kinds) \
    .where(_T.workspace_id == bindparam("ws")).order_by(_T.team_id)
_CALENDAR = select(BusinessCalendar.id, BusinessCalendar.timezone,
                   BusinessCalendar.weekly_hours) \
    .where(BusinessCalendar.workspace_id == bindparam("ws"))
_HOLIDAYS = select(_H.day).where(_H.calendar_id == bindparam("cal"))
_POLICIES = select(_P.priority, _P.first_response_minutes, _P.next_response_minutes,
                   _P.resolution_minutes, _P.warn_at_percent) \
    .where(_P.workspace_id == bindparam("ws"))
_SETTINGS = select(Workspace.settings).where(Workspace.id == bindparam("ws"))

_COPIES: WeakKeyDictionary[Engine, dict[int, RoutingConfig]] = WeakKeyDictionary()
_LOCK = threading.Lock()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _read(session: Session, workspace_id: int, version: str | None) -> RoutingConfig:
    """Read the configuration from the database (creating the default calendar if none)."""
    from pasokh.routing.config import do_ensure_calendar

    conn = session.connection()
    params = {"ws": workspace_id}
    cal = conn.execute(_CALENDAR, params).first()
    if cal is None:
        do_ensure_calendar(session=session, workspace_id=workspace_id)
        version = None  # this transaction just wrote a new version: do not share the copy
        conn = session.connection()
        cal = conn.execute(_CALENDAR, params).one()
    days = conn.execute(_HOLIDAYS, {"cal": cal.id}).scalars()
    rules = tuple(Rule(id=r.id, name=r.name, conditions=dict(r.conditions), team_id=r.team_id,
                       priority_override=r.priority_override, tags=tuple(r.tags),
                       handling=r.handling, is_default=r.is_default)
                  for r in conn.execute(_RULES, params))
    teams = tuple(TeamSkills(r.team_id, frozenset(r.categories), frozenset(r.languages),
                             frozenset(r.channel_kinds)) for r in conn.execute(_TEAMS, params))
    policies = {r.priority: (r.first_response_minutes, r.next_response_minutes,
                             r.resolution_minutes, r.warn_at_percent)
                for r in conn.execute(_POLICIES, params)}
    settings = conn.execute(_SETTINGS, params).scalar()
    technical = ((settings or {}).get("routing") or {}).get("technical_handling")
    return RoutingConfig(
        version=version, rules=rules, teams=teams,
        calendar=make_calendar(timezone=cal.timezone, weekly=cal.weekly_hours, holidays=days),
        policies=policies, technical_handling=technical)


def routing_config(session: Session, workspace_id: int) -> RoutingConfig:
    """The workspace's routing configuration as this transaction must see it."""
    memo: dict[int, RoutingConfig] = session.info.setdefault(MEMO_KEY, {})
    found = memo.get(workspace_id)
    if found is not None:
        return found
    session.flush()  # this transaction's own edits write their version on flush
    engine = _engine_of(session)
    version = session.connection().execute(_VERSION, {"ws": workspace_id}).scalar()
    with _LOCK:
        copies = _COPIES.get(engine)
        if copies is None:
            copies = _COPIES[engine] = {}
        config = copies.get(workspace_id)
    if config is None or version is None or config.version != version:
        config = _read(session, workspace_id, version)
        if config.version is not None:
            with _LOCK:
                copies[workspace_id] = config
    memo[workspace_id] = config
    return config


def reset() -> None:
    """Forget every copy in this process (tests)."""
    with _LOCK:
        _COPIES.clear()
