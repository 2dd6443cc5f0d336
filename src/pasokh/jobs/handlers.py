"""Every job kind and its handler: thin adapters from a JSON payload to a domain function.

A handler runs inside the runner's write transaction; it flushes, never commits, and
announces live events with `run_after_commit` so nothing uncommitted is ever shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pasokh.analytics.crisis import WEBHOOK_JOB, do_check_crisis, run_crisis_webhook
from pasokh.audit.service import do_audit
from pasokh.channels.models import Channel
from pasokh.channels.outbound import ChannelAdapter, default_adapters, outgoing_of
from pasokh.db import Database
from pasokh.events import EventBus
from pasokh.inbox.actions import FILL_CAPACITY
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.runner import BatchHandler, DeadHandler, Handler, JobRunner, Periodic
from pasokh.jobs.service import run_after_commit
from pasokh.routing import sla
from pasokh.routing.service import do_fill_capacity, do_route_many, message_texts
from pasokh.surveys.service import do_collect_answers, do_schedule_surveys, do_send_due_surveys
from pasokh.users.models import User
from pasokh.workspaces.models import Workspace

log = logging.getLogger("pasokh.jobs")

ROUTE = "route"
SEND_REPLY = "send_reply"
NOTIFY_SLA = "notify.sla"
SNOOZE_WAKEUP = "periodic.snooze"
SURVEYS = "periodic.surveys"
CRISIS_CHECK = "periodic.crisis"
PURGE = "periodic.purge"
DONE_RETENTION = timedelta(days=7)

Publish = Callable[[int, str, dict[str, Any]], None]


def _publish_after_commit(session: Session, publish: Publish, workspace_id: int, kind: str,
                          data: dict[str, Any]) -> None:
    run_after_commit(session, lambda: publish(workspace_id, kind, data))


def route_message(session: Session, payload: dict[str, Any], now: datetime,
                  publish: Publish) -> None:
    """Route a stored message's conversation: rules, team, SLA clock, assignee."""
    route_messages(session, [payload], now, publish)


def route_messages(session: Session, payloads: list[dict[str, Any]], now: datetime,
                   publish: Publish) -> None:
    """Route the conversations of several stored messages, in order; a conversation with
    several messages here is routed once, its keyword rules reading all their texts."""
    texts = message_texts(session, [int(p["message_id"]) for p in payloads])
    routes = []
    for payload in payloads:
        text = texts.get(int(payload["message_id"]))
        if payload.get("conversation_id") is None or text is None:
            log.info("route job for a conversation or message that no longer exists: %s",
                     payload)
            continue
        routes.append((int(payload["conversation_id"]), text))
    routed = do_route_many(session=session, routes=routes, now=now)
    missing = {c for c, _ in routes} - {r.conversation_id for r in routed}
    if missing:
        log.info("route jobs for conversations that no longer exist: %s", sorted(missing))
    for r in routed:
        _publish_after_commit(session, publish, r.workspace_id, "conversation.updated",
                              {"conversation_id": r.conversation_id, "change": "routing"})


def fill_capacity(session: Session, payload: dict[str, Any], now: datetime) -> None:
    """An agent freed capacity (resolved, handed over, merged): give them the next in line."""
    do_fill_capacity(session=session, workspace_id=int(payload["workspace_id"]),
                     agent_id=int(payload["agent_id"]), now=now)


def deliver_reply(session: Session, payload: dict[str, Any], now: datetime,
                  adapters: Mapping[str, ChannelAdapter]) -> None:
    """Send an outbound message through its channel's adapter and record how it went."""
    message = session.get(Message, int(payload["message_id"]))
    if message is None:
        log.info("send_reply for a message that no longer exists: %s", payload)
        return
    if (message.meta or {}).get("delivery") == "sent":
        return  # delivered by an earlier attempt whose bookkeeping was lost
    channel = session.get(Channel, message.channel_id)
    assert channel is not None  # messages cascade with their channel
    adapter = adapters.get(channel.kind)
    if adapter is None:
        log.info("no outbound adapter for %s channels: message %s stays undelivered",
                 channel.kind, message.id)
        _mark(message, "no_adapter", f"Pasokh cannot send on {channel.kind} channels yet.")
        return
    delivery = adapter.send(channel=channel, outgoing=outgoing_of(session=session,
                                                                  message=message), now=now)
    if delivery.state != "sent":
        log.warning("message %s not delivered on %s: %s", message.id, channel.key,
                    delivery.detail)
    _mark(message, delivery.state, delivery.detail, at=now)


def _mark(message: Message, state: str, detail: str, at: datetime | None = None) -> None:
    # A new dict: JSON columns do not track in-place changes.
    meta = {**(message.meta or {}), "delivery": state, "delivery_detail": detail}
    if at is not None and state == "sent":
        meta["delivered_at"] = at.isoformat()
    message.meta = meta


def reply_undeliverable(session: Session, payload: dict[str, Any], error: str) -> None:
    """The last attempt failed: say so on the message, where the agent sees it."""
    message = session.get(Message, int(payload["message_id"]))
    if message is not None:
        _mark(message, "failed", error)


def notify_sla(session: Session, payload: dict[str, Any], now: datetime,
               publish: Publish) -> None:
    """Tell the supervisors (and the assignee) in-app that a deadline is near or missed."""
    conversation = session.get(Conversation, int(payload["conversation_id"]))
    if conversation is None:
        return
    supervisors = session.scalars(select(User.id).where(
        User.workspace_id == conversation.workspace_id, User.role == "supervisor",
        User.is_active.is_(True)).order_by(User.id)).all()
    assignee = payload.get("assignee_id")
    recipients = sorted({*supervisors, *([int(assignee)] if assignee else [])})
    _publish_after_commit(session, publish, conversation.workspace_id,
                          f"sla.{payload['event']}",
                          {"conversation_id": conversation.id, "target": payload["target"],
                           "due": payload["due"], "assignee_id": assignee,
                           "user_ids": recipients})


def wake_snoozed(session: Session, payload: dict[str, Any], now: datetime,
                 publish: Publish) -> None:
    """Reopen snoozed conversations whose time has come."""
    query = (select(Conversation)
             .where(Conversation.status == "snoozed", Conversation.snoozed_until <= now)
             .order_by(Conversation.id).limit(1000))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # an overlapping pass takes the rest
    for conversation in session.scalars(query).all():
        conversation.status, conversation.snoozed_until = "open", None
        do_audit(session=session, workspace_id=conversation.workspace_id,
                 action="conversation.unsnoozed", target_type="conversation",
                 target_id=conversation.id)
        _publish_after_commit(session, publish, conversation.workspace_id,
                              "conversation.updated",
                              {"conversation_id": conversation.id, "change": "status"})
    session.flush()


def _each_workspace(session: Session, what: str,
                    work: Callable[[Workspace], None]) -> None:
    """Run `work` per workspace in a savepoint: one workspace's error spares the others."""
    for workspace in session.scalars(select(Workspace).order_by(Workspace.id)).all():
        try:
            with session.begin_nested():
                work(workspace)
        except Exception:
            log.exception("%s failed for workspace %s; the next pass tries again", what,
                          workspace.slug)


def run_surveys(session: Session, payload: dict[str, Any], now: datetime) -> None:
    """The survey pass of every workspace: schedule, send the due ones, read answers."""
    def work(workspace: Workspace) -> None:
        do_schedule_surveys(session=session, workspace=workspace, now=now)
        do_send_due_surveys(session=session, workspace=workspace, now=now)
        do_collect_answers(session=session, workspace=workspace, now=now)

    _each_workspace(session, "the survey pass", work)


def check_crisis(session: Session, payload: dict[str, Any], now: datetime,
                 publish: Publish) -> None:
    """Look for spikes in every workspace; an opened incident is announced in-app."""
    def work(workspace: Workspace) -> None:
        result = do_check_crisis(session=session, workspace=workspace, now=now)
        for incident in result.opened:
            _publish_after_commit(session, publish, workspace.id, "crisis.opened",
                                  {"incident_id": incident.id, "topic": incident.topic,
                                   "count": incident.window_count})

    _each_workspace(session, "the crisis check", work)


def purge_done(session: Session, payload: dict[str, Any], now: datetime,
               retention: timedelta = DONE_RETENTION) -> None:
    """Delete done jobs older than `retention`; dead ones stay for people to read."""
    session.execute(delete(OutboxJob).where(OutboxJob.status == "done",
                                            OutboxJob.updated_at < now - retention))


def build_handlers(*, events: EventBus | None = None,
                   adapters: Mapping[str, ChannelAdapter] | None = None
                   ) -> dict[str, Handler]:
    """The registry: every job kind Pasokh queues, mapped to its handler."""
    publish: Publish = events.publish if events is not None else (lambda *_: None)
    outbound = default_adapters() if adapters is None else adapters
    return {
        sla.WARN: lambda s, p, now: _ignore(sla.handle_warning(session=s, payload=p, now=now)),
        sla.BREACH: lambda s, p, now: _ignore(sla.handle_breach(session=s, payload=p, now=now)),
        NOTIFY_SLA: lambda s, p, now: notify_sla(s, p, now, publish),
        ROUTE: lambda s, p, now: route_message(s, p, now, publish),
        FILL_CAPACITY: fill_capacity,
        SEND_REPLY: lambda s, p, now: deliver_reply(s, p, now, outbound),
        WEBHOOK_JOB: lambda s, p, now: _ignore(run_crisis_webhook(session=s, payload=p,
                                                                  now=now)),
        SNOOZE_WAKEUP: lambda s, p, now: wake_snoozed(s, p, now, publish),
        SURVEYS: run_surveys,
        CRISIS_CHECK: lambda s, p, now: check_crisis(s, p, now, publish),
        PURGE: purge_done,
    }


def _ignore(_result: object) -> None:
    """Drop a domain function's answer (e.g. "nothing to do"): the job is done either way."""


DEAD_HANDLERS: dict[str, DeadHandler] = {SEND_REPLY: reply_undeliverable}
# Kinds that only touch the database (and publish after commit): run many per transaction.
BATCHABLE = (ROUTE, FILL_CAPACITY, sla.WARN, sla.BREACH, NOTIFY_SLA)


def periodic_tasks(every: timedelta) -> list[Periodic]:
    """The periodic kinds, each queued once per `every` (purging once an hour is plenty)."""
    return [Periodic(SNOOZE_WAKEUP, every), Periodic(SURVEYS, every),
            Periodic(CRISIS_CHECK, every), Periodic(PURGE, max(every, timedelta(hours=1)))]


def build_runner(db: Database, *, events: EventBus | None = None,
                 adapters: Mapping[str, ChannelAdapter] | None = None,
                 periodic_every: timedelta | None = timedelta(minutes=1),
                 **options: Any) -> JobRunner:
    """A runner for every Pasokh job kind; `periodic_every=None` leaves out periodic work."""
    periodic = periodic_tasks(periodic_every) if periodic_every else []
    options.setdefault("batchable", BATCHABLE)
    publish: Publish = events.publish if events is not None else (lambda *_: None)
    batch: dict[str, BatchHandler] = {
        ROUTE: lambda s, payloads, now: route_messages(s, payloads, now, publish)}
    options.setdefault("batch_handlers", batch)
    return JobRunner(db, build_handlers(events=events, adapters=adapters),
                     on_dead=DEAD_HANDLERS, periodic=periodic, **options)
