"""What supervisors and admins configure: calendars, holidays, SLA policies, rules, skills."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pasokh.errors import Conflict, NotFound, Unprocessable
from pasokh.routing.cache import DEFAULT_SLA as DEFAULT_SLA
from pasokh.routing.calendar import IRAN_WEEK, CalendarError, WorkCalendar, make_calendar
from pasokh.routing.holidays import iran_holidays
from pasokh.routing.models import (
    HANDLINGS,
    AgentProfile,
    BusinessCalendar,
    CalendarHoliday,
    RoutingRule,
    SlaPolicy,
    TeamSkill,
)
from pasokh.routing.schemas import AgentProfileUpdate, CalendarUpdate, RuleCreate, TeamUpdate
from pasokh.types import PRIORITIES
from pasokh.users.models import Team, TeamMember, User


def do_ensure_calendar(*, session: Session, workspace_id: int) -> BusinessCalendar:
    """The workspace's calendar, created with the Iranian week and shipped holidays."""
    cal = session.scalar(select(BusinessCalendar)
                         .where(BusinessCalendar.workspace_id == workspace_id))
    if cal is None:
        try:
            with session.begin_nested():
                cal = BusinessCalendar(workspace_id=workspace_id, name="Iran",
                                       timezone="Asia/Tehran", weekly_hours=dict(IRAN_WEEK))
                session.add(cal)
                session.flush()
                session.add_all(CalendarHoliday(calendar_id=cal.id, day=day, name=name[:200],
                                                kind=kind)
                                for day, name, kind in iran_holidays())
                session.flush()
        except IntegrityError:
            # Two first requests at once (or a request and a routing job): the other
            # transaction created it a moment ago; use theirs instead of failing.
            cal = session.scalars(select(BusinessCalendar)
                                  .where(BusinessCalendar.workspace_id == workspace_id)).one()
    return cal


def load_calendar(*, session: Session, workspace_id: int) -> WorkCalendar:
    """The workspace's business calendar for the pure arithmetic in routing.calendar."""
    cal = do_ensure_calendar(session=session, workspace_id=workspace_id)
    days = session.scalars(select(CalendarHoliday.day)
                           .where(CalendarHoliday.calendar_id == cal.id))
    return make_calendar(timezone=cal.timezone, weekly=cal.weekly_hours, holidays=days)


def read_calendar(*, session: Session, workspace_id: int) -> WorkCalendar:
    """The workspace's calendar without writing: the shipped Iranian one until it has its own
    (what `do_ensure_calendar` would create), for pages that only read. One statement."""
    rows = session.execute(
        select(BusinessCalendar.timezone, BusinessCalendar.weekly_hours, CalendarHoliday.day)
        .outerjoin(CalendarHoliday, CalendarHoliday.calendar_id == BusinessCalendar.id)
        .where(BusinessCalendar.workspace_id == workspace_id)).all()
    if not rows:
        return make_calendar(holidays=[day for day, _, _ in iran_holidays()])
    return make_calendar(timezone=rows[0].timezone, weekly=rows[0].weekly_hours,
                         holidays=[r.day for r in rows if r.day is not None])


def calendar_zone(*, session: Session, workspace_id: int) -> ZoneInfo:
    """The zone agents' working hours are read in (the calendar's, else Asia/Tehran)."""
    name = session.scalar(select(BusinessCalendar.timezone)
                          .where(BusinessCalendar.workspace_id == workspace_id))
    return ZoneInfo(name or "Asia/Tehran")


def check_calendar(*, timezone: str, weekly_hours: dict[str, Any]) -> None:
    """Refuse an unknown zone or malformed weekly hours, saying what is wrong."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable(f"Unknown time zone '{timezone[:64]}'; use an IANA name such as "
                            "Asia/Tehran.",
                            fa=f"منطقهٔ زمانی «{timezone[:64]}» شناخته نیست؛ نامی از فهرست "
                            "IANA مانند Asia/Tehran بگذارید.") from exc
    try:
        make_calendar(timezone=timezone, weekly=weekly_hours)
    except (ValueError, TypeError) as exc:
        why_fa = exc.fa if isinstance(exc, CalendarError) else str(exc)
        raise Unprocessable(f"The weekly hours are not valid: {exc}. Use hours like "
                            '{"5": [["08:00", "17:00"]]} keyed by weekday 0=Monday.',
                            fa=f"ساعت‌های هفتگی درست نیست: {why_fa}. ساعت‌ها را مانند "
                            '{"5": [["08:00", "17:00"]]} بنویسید؛ کلید، روز هفته است '
                            "(0 = دوشنبه).") from exc


def do_add_holiday(*, session: Session, workspace_id: int, day: date, name: str
                   ) -> CalendarHoliday:
    """Close the business calendar on `day`."""
    cal = do_ensure_calendar(session=session, workspace_id=workspace_id)
    exists = session.scalar(select(CalendarHoliday).where(CalendarHoliday.calendar_id == cal.id,
                                                          CalendarHoliday.day == day))
    if exists is not None:
        raise Conflict(f"{day.isoformat()} is already a holiday ({exists.name}); edit or "
                       "delete it instead.",
                       fa=f"{day.isoformat()} از پیش تعطیل است ({exists.name})؛ همان را "
                       "ویرایش یا حذف کنید.")
    row = CalendarHoliday(calendar_id=cal.id, day=day, name=name[:200], kind="custom")
    session.add(row)
    session.flush()
    return row


def get_holiday(*, session: Session, workspace_id: int, holiday_id: int) -> CalendarHoliday:
    """One holiday of the workspace's calendar, or NotFound."""
    cal = do_ensure_calendar(session=session, workspace_id=workspace_id)
    row = session.get(CalendarHoliday, holiday_id)
    if row is None or row.calendar_id != cal.id:
        raise NotFound(f"Holiday {holiday_id} does not exist in this workspace.",
                       fa=f"تعطیلی {holiday_id} در این فضای کاری نیست.")
    return row


def do_move_holiday(*, session: Session, workspace_id: int, holiday_id: int, day: date,
                    name: str) -> CalendarHoliday:
    """Correct a holiday's date or name (e.g. a lunar date moved by a day)."""
    row = get_holiday(session=session, workspace_id=workspace_id, holiday_id=holiday_id)
    row.day, row.name = day, name[:200]
    session.flush()
    return row


def policy_minutes(*, session: Session, workspace_id: int, priority: str
                   ) -> tuple[int, int, int, int]:
    """(first response, next response, resolution, warn %) for a priority."""
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == workspace_id,
                                                 SlaPolicy.priority == priority))
    if row is None:
        first, nxt, resolution = DEFAULT_SLA.get(priority, DEFAULT_SLA["normal"])
        return first, nxt, resolution, 80
    return (row.first_response_minutes, row.next_response_minutes, row.resolution_minutes,
            row.warn_at_percent)


def do_set_policy(*, session: Session, workspace_id: int, priority: str, first: int, nxt: int,
                  resolution: int, warn_at_percent: int) -> SlaPolicy:
    """Create or replace the SLA targets for one priority."""
    if priority not in PRIORITIES:
        raise Unprocessable(f"Unknown priority '{priority[:20]}': use {', '.join(PRIORITIES)}.",
                            fa=f"اولویت «{priority[:20]}» شناخته نیست؛ یکی از این‌ها را "
                            f"بگذارید: {'، '.join(PRIORITIES)}.")
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == workspace_id,
                                                 SlaPolicy.priority == priority))
    if row is None:
        row = SlaPolicy(workspace_id=workspace_id, priority=priority)
        session.add(row)
    row.first_response_minutes, row.next_response_minutes = first, nxt
    row.resolution_minutes, row.warn_at_percent = resolution, warn_at_percent
    session.flush()
    return row


def check_rule_target(*, session: Session, workspace_id: int, team_id: int | None,
                      handling: str, priority_override: str | None) -> None:
    """The team exists in this workspace, the handling and priority are known."""
    if handling not in HANDLINGS:
        raise Unprocessable(f"Unknown handling '{handling[:20]}': use {', '.join(HANDLINGS)}.",
                            fa=f"شیوهٔ رسیدگی «{handling[:20]}» شناخته نیست؛ یکی از این‌ها را "
                            f"بگذارید: {'، '.join(HANDLINGS)}.")
    if priority_override is not None and priority_override not in PRIORITIES:
        raise Unprocessable(f"Unknown priority '{priority_override[:20]}': use "
                            f"{', '.join(PRIORITIES)}.",
                            fa=f"اولویت «{priority_override[:20]}» شناخته نیست؛ یکی از "
                            f"این‌ها را بگذارید: {'، '.join(PRIORITIES)}.")
    if team_id is not None:
        get_team(session=session, workspace_id=workspace_id, team_id=team_id)


def get_rule(*, session: Session, workspace_id: int, rule_id: int) -> RoutingRule:
    """One routing rule of the workspace, or NotFound."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.workspace_id != workspace_id:
        raise NotFound(f"Routing rule {rule_id} does not exist in this workspace.",
                       fa=f"قاعدهٔ مسیردهی {rule_id} در این فضای کاری نیست.")
    return rule


def get_team(*, session: Session, workspace_id: int, team_id: int) -> Team:
    """One team of the workspace, or NotFound."""
    team = session.get(Team, team_id)
    if team is None or team.workspace_id != workspace_id:
        raise NotFound(f"Team {team_id} does not exist in this workspace.",
                       fa=f"تیم {team_id} در این فضای کاری نیست.")
    return team


def do_create_team(*, session: Session, workspace_id: int, name: str) -> Team:
    """A new team with no skills (it handles anything) and no members."""
    if session.scalar(select(Team).where(Team.workspace_id == workspace_id, Team.name == name)):
        raise Conflict(f"A team named '{name[:100]}' already exists; pick another name.",
                       fa=f"تیمی با نام «{name[:100]}» هست؛ نام دیگری بگذارید.")
    team = Team(workspace_id=workspace_id, name=name)
    session.add(team)
    session.flush()
    session.add(TeamSkill(team_id=team.id, workspace_id=workspace_id, categories=[],
                          languages=[], channel_kinds=[]))
    session.flush()
    return team


def team_skill(*, session: Session, team: Team) -> TeamSkill:
    """The team's skills row, created empty when missing."""
    row = session.get(TeamSkill, team.id)
    if row is None:
        row = TeamSkill(team_id=team.id, workspace_id=team.workspace_id, categories=[],
                        languages=[], channel_kinds=[])
        session.add(row)
        session.flush()
    return row


def do_set_members(*, session: Session, team: Team, user_ids: list[int]) -> None:
    """Replace the team's members with `user_ids` (users of the same workspace)."""
    users = set(session.scalars(select(User.id).where(User.workspace_id == team.workspace_id,
                                                      User.id.in_(user_ids))))
    missing = sorted(set(user_ids) - users)
    if missing:
        raise Unprocessable(f"Users {missing[:5]} do not exist in this workspace.",
                            fa=f"کاربران {missing[:5]} در این فضای کاری نیستند.")
    for member in session.scalars(select(TeamMember).where(TeamMember.team_id == team.id)):
        session.delete(member)
    session.flush()
    session.add_all(TeamMember(team_id=team.id, user_id=u) for u in sorted(users))
    session.flush()


def get_profile(*, session: Session, workspace_id: int, user_id: int) -> AgentProfile:
    """An agent's routing profile, created (offline, default capacity) on first use."""
    user = session.get(User, user_id)
    if user is None or user.workspace_id != workspace_id:
        raise NotFound(f"User {user_id} does not exist in this workspace.",
                       fa=f"کاربر {user_id} در این فضای کاری نیست.")
    profile = session.get(AgentProfile, user_id)
    if profile is None:
        profile = AgentProfile(user_id=user_id, workspace_id=workspace_id, skills=[],
                               languages=[], capacity=6, channel_weights={},
                               presence="offline", working_hours=[])
        session.add(profile)
        session.flush()
    return profile



# --- used by the API (routing/routes.py) and the supervisor pages (web/admin_*.py) -----------

def do_save_rule(*, session: Session, workspace_id: int, rule: RoutingRule | None,
                 data: RuleCreate) -> RoutingRule:
    """Create (rule=None) or replace a routing rule from validated fields."""
    check_rule_target(session=session, workspace_id=workspace_id, team_id=data.team_id,
                      handling=data.handling, priority_override=data.priority_override)
    if rule is None:
        rule = RoutingRule(workspace_id=workspace_id)
        session.add(rule)
    for field, value in data.model_dump(exclude={"conditions"}).items():
        setattr(rule, field, value)
    rule.conditions = data.conditions.model_dump(exclude_defaults=True)
    session.flush()
    return rule


def ordered_rules(*, session: Session, workspace_id: int) -> list[RoutingRule]:
    """The rules in the order routing tries them: by position, defaults last."""
    return list(session.scalars(select(RoutingRule)
                                .where(RoutingRule.workspace_id == workspace_id)
                                .order_by(RoutingRule.is_default, RoutingRule.position,
                                          RoutingRule.id)))


def next_rule_position(*, session: Session, workspace_id: int) -> int:
    """A position after every existing rule."""
    top = session.scalar(select(func.max(RoutingRule.position))
                         .where(RoutingRule.workspace_id == workspace_id))
    return (top or 0) + 10


def do_move_rule(*, session: Session, workspace_id: int, rule_id: int, offset: int) -> None:
    """Move a rule `offset` places earlier (<0) or later (>0) among its kind; renumber 10, 20…"""
    rules = ordered_rules(session=session, workspace_id=workspace_id)
    rule = get_rule(session=session, workspace_id=workspace_id, rule_id=rule_id)
    # Default rules are tried last whatever their position: they move among themselves.
    group = [r for r in rules if r.is_default == rule.is_default]
    index = group.index(rule)
    group.insert(max(0, min(len(group) - 1, index + offset)), group.pop(index))
    for number, row in enumerate(group, start=1):
        row.position = number * 10
    session.flush()


def do_rename_team(*, session: Session, team: Team, name: str) -> None:
    """Rename a team; Conflict when another team has the name."""
    clash = session.scalar(select(Team.id).where(Team.workspace_id == team.workspace_id,
                                                 Team.name == name, Team.id != team.id))
    if clash is not None:
        raise Conflict(f"A team named '{name[:100]}' already exists; pick another name.",
                       fa=f"تیمی با نام «{name[:100]}» هست؛ نام دیگری بگذارید.")
    team.name = name
    session.flush()


def do_set_team_skills(*, session: Session, team: Team, data: TeamUpdate) -> None:
    """Set what a team handles and, when given, who is in it."""
    skill = team_skill(session=session, team=team)
    skill.categories, skill.languages = list(data.categories), list(data.languages)
    skill.channel_kinds = list(data.channel_kinds)
    if data.member_ids is not None:
        do_set_members(session=session, team=team, user_ids=data.member_ids)
    session.flush()


def do_update_profile(*, session: Session, profile: AgentProfile,
                      data: AgentProfileUpdate) -> None:
    """Set an agent's skills, languages, capacity, channel weights and working hours."""
    values = data.model_dump()
    values["working_hours"] = [list(h) for h in data.working_hours]
    for field, value in values.items():
        setattr(profile, field, value)
    session.flush()


def do_set_calendar(*, session: Session, workspace_id: int, data: CalendarUpdate
                    ) -> BusinessCalendar:
    """Replace the working week, zone and name of the workspace's calendar."""
    weekly = {k: [list(span) for span in v] for k, v in data.weekly_hours.items()}
    check_calendar(timezone=data.timezone, weekly_hours=weekly)
    cal = do_ensure_calendar(session=session, workspace_id=workspace_id)
    cal.name, cal.timezone, cal.weekly_hours = data.name, data.timezone, weekly
    session.flush()
    return cal
