"""SLA clocks in business time; warnings and breaches are outbox jobs, so they survive restarts.

A job carries the conversation id, the target and the deadline it was scheduled for. When
it runs it re-reads the conversation: if the target was met, or the deadline moved (a new
message restarted the clock), the job does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.service import do_audit
from pasokh.db import utcnow
from pasokh.inbox.models import Conversation
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.service import do_enqueue, do_enqueue_many
from pasokh.routing.cache import routing_config
from pasokh.routing.calendar import WorkCalendar, add_business_minutes
from pasokh.routing.models import ConversationRouting
from pasokh.types import PRIORITIES, PRIORITY_RANK

WARN, BREACH = "sla.warn", "sla.breach"
TARGETS = ("first_response", "next_response", "resolution")


def deadlines(cal: WorkCalendar, *, started: datetime, minutes: int, warn_at_percent: int
              ) -> tuple[datetime, datetime]:
    """(warning time, deadline) for a target of `minutes` business minutes from `started`."""
    due = add_business_minutes(cal, started, minutes)
    warn = add_business_minutes(cal, started, minutes * warn_at_percent / 100)
    return warn, due


def _stamp(at: datetime) -> str:
    """A deadline as it travels in a job payload: UTC ISO 8601, comparable as text."""
    return at.astimezone(UTC).isoformat()


Clock = list[tuple[str, datetime, datetime]]  # (target, warning time, deadline)


def clock_for(cal: WorkCalendar, policy: tuple[int, int, int, int], *,
              first_message_at: datetime, first_response_at: datetime | None,
              waiting_since: datetime | None) -> Clock:
    """The targets a conversation's clock runs for now, with their warning and deadline."""
    first, nxt, resolution, warn_pct = policy
    clock: Clock = []
    if first_response_at is None:
        started = waiting_since or first_message_at
        clock.append(("first_response", *deadlines(cal, started=started, minutes=first,
                                                   warn_at_percent=warn_pct)))
    elif waiting_since is not None:
        clock.append(("next_response", *deadlines(cal, started=waiting_since, minutes=nxt,
                                                  warn_at_percent=warn_pct)))
    clock.append(("resolution", *deadlines(cal, started=first_message_at, minutes=resolution,
                                           warn_at_percent=warn_pct)))
    return clock


def clock_jobs(*, workspace_id: int, conversation_id: int, clock: Clock
               ) -> list[dict[str, object]]:
    """The warning and breach jobs of a clock, for jobs.service.do_enqueue_many."""
    jobs: list[dict[str, object]] = []
    for target, warn, due in clock:
        stamp = _stamp(due)
        payload = {"conversation_id": conversation_id, "target": target, "due": stamp}
        for kind, at in ((WARN, warn), (BREACH, due)):
            jobs.append({"workspace_id": workspace_id, "kind": kind, "payload": payload,
                         "run_after": at,
                         "dedupe_key": f"{kind}:{conversation_id}:{target}:{stamp}"})
    return jobs


def do_start_clock(*, session: Session, conversation: Conversation,
                   routing: ConversationRouting, now: datetime | None = None,
                   cal: WorkCalendar | None = None) -> ConversationRouting:
    """Set the deadlines for the conversation's priority and queue their warning and breach."""
    config = routing_config(session, conversation.workspace_id)
    clock = clock_for(cal or config.calendar, config.policy(conversation.priority),
                      first_message_at=conversation.first_message_at,
                      first_response_at=conversation.first_response_at,
                      waiting_since=conversation.waiting_since)
    for target, _warn, due in clock:
        setattr(routing, f"{target}_due", due)
    do_enqueue_many(session=session, jobs=clock_jobs(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id, clock=clock))
    session.flush()
    return routing


def _still_open(conversation: Conversation, routing: ConversationRouting, target: str,
                due: str) -> bool:
    """The target is unmet and the deadline is the one the job was scheduled for."""
    if conversation.status == "resolved":
        return False
    current = getattr(routing, f"{target}_due")
    if current is None or _stamp(current) != due:
        return False
    if target == "first_response":
        # A bot's answer clears the wait without counting as a first response.
        return conversation.first_response_at is None and conversation.waiting_since is not None
    if target == "next_response":
        return conversation.waiting_since is not None
    return True


def _load(session: Session, payload: dict[str, object]
          ) -> tuple[Conversation, ConversationRouting] | None:
    conversation = session.get(Conversation, payload["conversation_id"])
    routing = session.get(ConversationRouting, payload["conversation_id"])
    if conversation is None or routing is None:
        return None
    if not _still_open(conversation, routing, str(payload["target"]), str(payload["due"])):
        return None
    return conversation, routing


def handle_warning(*, session: Session, payload: dict[str, object], now: datetime) -> bool:
    """Warn the assignee and supervisors that a deadline is near; False if moot.

    A warning that runs at or after its deadline (the jobs were stopped, e.g. a server down
    over a weekend) is moot too: the breach job says it, and "due soon" for a deadline
    already passed would only be noise in the supervisor's notifications.
    """
    if now >= datetime.fromisoformat(str(payload["due"])):
        return False
    loaded = _load(session, payload)
    if loaded is None:
        return False
    conversation, _ = loaded
    do_audit(session=session, workspace_id=conversation.workspace_id, action="sla.warning",
             target_type="conversation", target_id=conversation.id,
             details={"target": payload["target"], "due": payload["due"]})
    do_enqueue(session=session, workspace_id=conversation.workspace_id, kind="notify.sla",
               payload={**payload, "event": "warning", "assignee_id": conversation.assignee_id},
               dedupe_key=f"notify.sla:warning:{conversation.id}:{payload['target']}:"
                          f"{payload['due']}")
    return True


def handle_breach(*, session: Session, payload: dict[str, object], now: datetime) -> bool:
    """Escalate a breach: notify supervisors, raise the priority, reassign; False if moot."""
    from pasokh.routing.service import do_assign, do_dispatch, do_record

    loaded = _load(session, payload)
    if loaded is None:
        return False
    conversation, routing = loaded
    target = str(payload["target"])
    routing.breached = sorted({*routing.breached, target})
    reasons = [f"{target.replace('_', ' ')} deadline {payload['due']} passed"]
    if conversation.priority_rank > 0:
        conversation.priority = PRIORITIES[conversation.priority_rank - 1]
        conversation.priority_rank = PRIORITY_RANK[conversation.priority]
        reasons.append(f"priority raised to {conversation.priority}")
    do_record(session=session, conversation=conversation, kind="escalate", reasons=reasons,
              agent_id=conversation.assignee_id, at=now)
    do_enqueue(session=session, workspace_id=conversation.workspace_id, kind="notify.sla",
               payload={**payload, "event": "breach", "assignee_id": conversation.assignee_id},
               dedupe_key=f"notify.sla:breach:{conversation.id}:{target}:{payload['due']}")
    previous = conversation.assignee_id
    if previous is not None and target != "resolution":
        do_assign(session=session, conversation=conversation, agent_id=None, kind="handback",
                  reasons=["SLA breached: reassigning"], now=now)
        session.flush()
        do_dispatch(session=session, conversation=conversation, now=now,
                    exclude=frozenset({previous}))
    session.flush()
    return True


HANDLERS: dict[str, Callable[..., bool]] = {WARN: handle_warning, BREACH: handle_breach}


def run_due_sla_jobs(*, session: Session, now: datetime | None = None, limit: int = 100
                     ) -> int:
    """Run queued SLA jobs whose time has come (a worker calls this); returns how many ran."""
    now = now or utcnow()
    query = (select(OutboxJob)
             .where(OutboxJob.status == "queued", OutboxJob.kind.in_(tuple(HANDLERS)),
                    OutboxJob.run_after <= now)
             .order_by(OutboxJob.run_after, OutboxJob.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    jobs = list(session.scalars(query))
    for job in jobs:
        HANDLERS[job.kind](session=session, payload=dict(job.payload), now=now)
        job.status, job.attempts = "done", job.attempts + 1
    session.flush()
    return len(jobs)


def attained(*, started: datetime, answered: datetime | None, due: datetime) -> bool:
    """A target is attained when the answer came no later than the deadline."""
    return answered is not None and started <= answered <= due
