"""Replies leave through the outbox: signed webhooks on `api` channels, honest records else."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.analytics.crisis import SIGNATURE_HEADER
from pasokh.channels.outbound import DELIVERY_HEADER
from pasokh.channels.service import do_create_channel
from pasokh.db import Database
from pasokh.inbox.actions import do_reply
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.handlers import build_runner
from pasokh.jobs.models import OutboxJob
from pasokh.jobs.runner import JobRunner
from pasokh.users.models import User
from pasokh.workspaces.models import Workspace
from tests.conftest import World
from tests.routing.conftest import SATURDAY_10, Write

SECRET = "a-shared-secret-for-the-crm"
ANSWER = "سلام رضا جان، سفارش شما امروز ارسال شد."


@dataclass
class Receiver:
    """An integrator's endpoint on 127.0.0.1 that answers with the statuses it is given."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver()

    class Handle(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.requests.append((dict(self.headers), body))
            self.send_response(got.statuses.pop(0) if got.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/pasokh/outbound"
    yield got
    server.shutdown()
    server.server_close()
    thread.join(5)


def reply_on(session: Session, world: World, write_in: Write, channel: str) -> Message:
    """A customer writes on `channel`, Sara answers; the reply is queued, committed."""
    conversation = write_in("question: سفارشم کی می‌رسه؟", channel=channel,
                            customer="crm-customer-42")
    sara = session.get(User, world.users["sara"])
    message = do_reply(session=session, conversation=conversation, author=sara, text=ANSWER,
                       at=SATURDAY_10)
    # The job was queued at the wall clock; pin it to the test's time.
    job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply")).one()
    job.run_after = SATURDAY_10
    session.commit()
    return message


@pytest.fixture
def api_channel(session: Session, world: World, receiver: Receiver) -> str:
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    do_create_channel(session=session, workspace=workspace, kind="api", key="crm",
                      name="CRM", config={"outgoing_webhook_url": receiver.url,
                                          "outgoing_webhook_secret": SECRET})
    return "crm"


@pytest.fixture
def runner(db: Database) -> JobRunner:
    return build_runner(db, periodic_every=None)


def state(db: Database, message_id: int) -> tuple[dict[str, Any], OutboxJob]:
    with db.read() as s:
        message = s.get(Message, message_id)
        job = s.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply")).one()
        assert message is not None
        return message.meta, job


def test_a_reply_on_an_api_channel_is_posted_signed_and_retried_after_a_5xx(
        db: Database, session: Session, world: World, write_in: Write, api_channel: str,
        receiver: Receiver, runner: JobRunner) -> None:
    message = reply_on(session, world, write_in, api_channel)
    receiver.statuses = [503]

    assert runner.run_due(now=SATURDAY_10) == 1
    meta, job = state(db, message.id)
    assert "delivery" not in meta
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error and "HTTP 503" in job.last_error

    assert runner.run_due(now=SATURDAY_10 + timedelta(seconds=30)) == 1
    meta, job = state(db, message.id)
    assert (job.status, meta["delivery"]) == ("done", "sent")

    assert len(receiver.requests) == 2
    (first, _), (headers, body) = receiver.requests
    assert first[DELIVERY_HEADER] == headers[DELIVERY_HEADER] == f"message-{message.id}"
    stamp, signature = (part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER].split(","))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    sent = json.loads(body)
    assert (sent["event"], sent["text"], sent["recipient"], sent["channel"]) == \
        ("message.outbound", ANSWER, "crm-customer-42", "crm")
    assert sent["message_id"] == message.id


def test_a_reply_the_receiver_refuses_is_recorded_not_retried(
        db: Database, session: Session, world: World, write_in: Write, api_channel: str,
        receiver: Receiver, runner: JobRunner) -> None:
    message = reply_on(session, world, write_in, api_channel)
    receiver.statuses = [400]
    assert runner.run_until_idle(now=SATURDAY_10 + timedelta(hours=2)) == 1
    meta, job = state(db, message.id)
    assert (job.status, meta["delivery"]) == ("done", "rejected")
    assert "HTTP 400" in meta["delivery_detail"]
    assert len(receiver.requests) == 1


def test_a_reply_that_never_gets_through_is_marked_failed_on_the_message(
        db: Database, session: Session, world: World, write_in: Write, api_channel: str,
        receiver: Receiver, runner: JobRunner) -> None:
    message = reply_on(session, world, write_in, api_channel)
    with db.write() as s:
        s.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply")).one().max_attempts = 2
        s.commit()
    receiver.statuses = [500, 502]
    runner.run_due(now=SATURDAY_10)
    runner.run_due(now=SATURDAY_10 + timedelta(seconds=30))
    meta, job = state(db, message.id)
    assert (job.status, meta["delivery"]) == ("dead", "failed")
    assert "HTTP 502" in meta["delivery_detail"]


def test_a_channel_without_an_adapter_records_it_and_does_not_spin(
        db: Database, session: Session, world: World, write_in: Write,
        runner: JobRunner) -> None:
    message = reply_on(session, world, write_in, "instagram-main")
    assert runner.run_until_idle(now=SATURDAY_10 + timedelta(hours=2)) == 1
    meta, job = state(db, message.id)
    assert (job.status, meta["delivery"]) == ("done", "no_adapter")


def test_an_api_channel_without_a_webhook_says_what_to_configure(
        db: Database, session: Session, world: World, write_in: Write,
        runner: JobRunner) -> None:
    workspace = session.get(Workspace, world.workspace_id)
    assert workspace is not None
    do_create_channel(session=session, workspace=workspace, kind="api", key="bare",
                      name="Bare")
    message = reply_on(session, world, write_in, "bare")
    runner.run_until_idle(now=SATURDAY_10)
    meta, job = state(db, message.id)
    assert (job.status, meta["delivery"]) == ("done", "not_configured")
    assert "outgoing_webhook_url" in meta["delivery_detail"]
    with db.read() as s:
        conversation = s.get(Conversation, message.conversation_id)
        assert conversation is not None and conversation.first_response_at == SATURDAY_10
