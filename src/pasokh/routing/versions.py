"""Every edit of a workspace's routing configuration writes a new configuration version.

The version (routing_config_versions, one row per workspace) names the configuration
routing.cache keeps a copy of. It is written in the transaction of the edit, so it commits
or rolls back with it. Session-wide ORM hooks, imported with routing.models so that any
process able to edit the tables has them:

- `after_flush`: a new, changed or deleted rule, team skill, SLA policy, calendar, holiday
  or team, or a workspace whose settings changed, writes a new version for its workspace;
- `do_orm_execute`: a bulk UPDATE/DELETE/INSERT through the session on those tables (no
  workspace known) writes a new version for every workspace.

Statements sent straight to a connection bypass both: call `bump_config` beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import Table, bindparam, event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from pasokh.db import utcnow
from pasokh.routing.models import (
    BusinessCalendar,
    CalendarHoliday,
    RoutingConfigVersion,
    RoutingRule,
    SlaPolicy,
    TeamSkill,
)
from pasokh.users.models import Team
from pasokh.workspaces.models import Workspace

# session.info key of the configurations one transaction has read (routing.cache).
MEMO_KEY = "pasokh.routing.cache"

_VERSIONS = cast(Table, RoutingConfigVersion.__table__)
_UPSERTS: dict[str, Any] = {}
_WATCHED = (RoutingRule, TeamSkill, SlaPolicy, BusinessCalendar, CalendarHoliday, Team)
_CALENDAR_WORKSPACE = select(BusinessCalendar.workspace_id) \
    .where(BusinessCalendar.id == bindparam("cal"))


def _upsert(dialect: str) -> Any:
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        base = insert(_VERSIONS)
        statement = _UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=["workspace_id"],
            set_={"version": base.excluded.version, "changed_at": base.excluded.changed_at})
    return statement


def bump_config(*, session: Session, workspace_ids: Iterable[int]) -> None:
    """Give these workspaces a new configuration version, in the session's transaction."""
    ids = sorted(set(workspace_ids))
    if not ids:
        return
    memo = session.info.get(MEMO_KEY)
    if memo:
        for workspace_id in ids:
            memo.pop(workspace_id, None)
    conn = session.connection()
    now = utcnow()
    conn.execute(_upsert(conn.dialect.name),
                 [{"workspace_id": ws, "version": uuid4().hex, "changed_at": now}
                  for ws in ids])


def _workspace_of(session: Session, obj: object) -> int | None:
    if isinstance(obj, CalendarHoliday):
        found: int | None = session.connection().execute(
            _CALENDAR_WORKSPACE, {"cal": obj.calendar_id}).scalar()
        return found
    workspace_id: int | None = getattr(obj, "workspace_id", None)
    return workspace_id


def _after_flush(session: Session, _context: Any) -> None:
    workspaces: set[int] = set()
    new, deleted = session.new, session.deleted
    for obj in chain(new, session.dirty, deleted):
        if isinstance(obj, Workspace):
            # Only routing settings matter; a new workspace has no copy yet and a deleted
            # one takes its version row along.
            if obj not in new and obj not in deleted \
                    and inspect(obj).attrs.settings.history.has_changes():
                workspaces.add(obj.id)
            continue
        if not isinstance(obj, _WATCHED):
            continue
        if obj not in new and obj not in deleted and not session.is_modified(obj):
            continue
        workspace_id = _workspace_of(session, obj)
        if workspace_id is not None:
            workspaces.add(workspace_id)
    bump_config(session=session, workspace_ids=workspaces)


def _bulk_edit(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, _WATCHED):
        return
    state.session.info.pop(MEMO_KEY, None)
    state.session.connection().execute(
        update(_VERSIONS).values(version=bindparam("v"), changed_at=bindparam("at")),
        {"v": uuid4().hex, "at": utcnow()})


def _forget_memo(session: Session, *_: object) -> None:
    session.info.pop(MEMO_KEY, None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(MEMO_KEY, None)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _bulk_edit)
# A configuration read inside a rolled-back savepoint may include its undone edits.
event.listen(Session, "after_soft_rollback", _forget_memo)
event.listen(Session, "after_transaction_end", _after_transaction_end)
