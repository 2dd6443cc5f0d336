"""Storing messages in batches means the same as storing them one by one, in order."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from pasokh.customers.models import Contact, ContactIdentity
from pasokh.customers.service import SenderIdentity
from pasokh.db import Database, utcnow
from pasokh.errors import Conflict, NotFound, PasokhError, PayloadTooLarge
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.ingest.batch import Delivery, InboundMessage, Stored, do_ingest_many
from pasokh.ingest.writer import IngestWriter
from pasokh.jobs.models import OutboxJob
from tests.conftest import World


def inbound(text: str, who: str = "visitor-1", *, channel: str = "webchat",
            pid: str | None = None, **sender: Any) -> InboundMessage:
    return InboundMessage(channel_key=channel, text=text, provider_message_id=pid,
                          sender=SenderIdentity(external_id=who, **sender))


def store(db: Database, world: World, triager: Any, *messages: InboundMessage,
          at: Any = None) -> list[Stored | PasokhError]:
    at = at or utcnow()
    deliveries = [Delivery(world.workspace_id, m, at + timedelta(milliseconds=i))
                  for i, m in enumerate(messages)]
    with db.write() as session:
        results = do_ingest_many(session=session, deliveries=deliveries, triager=triager,
                                 max_chars=10_000)
        session.commit()
    return results


def count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_new_customer_writing_three_times_in_one_batch_is_one_contact_and_conversation(
    db: Database, world: World, triager_engine: Any
) -> None:
    triager = _plain(triager_engine)
    results = store(db, world, triager, inbound("سلام"), inbound("سفارشم کجاست؟"),
                    inbound("کد سفارش ۱۲۳۴۵"))
    assert all(isinstance(r, Stored) and r.created for r in results)
    assert len({r.conversation_id for r in results if isinstance(r, Stored)}) == 1
    assert count(db, Contact) == 1 and count(db, ContactIdentity) == 1
    with db.read() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.message_count == 3
        assert conversation.subject == "سلام"
    assert count(db, TriageDecision) == 3
    assert count(db, OutboxJob, OutboxJob.kind == "route") == 3


def test_a_batch_joins_the_open_conversation_stored_before(
    db: Database, world: World, triager_engine: Any
) -> None:
    triager = _plain(triager_engine)
    [first] = store(db, world, triager, inbound("سلام"))
    [second] = store(db, world, triager, inbound("هنوز جواب ندادید"))
    assert isinstance(first, Stored) and isinstance(second, Stored)
    assert second.conversation_id == first.conversation_id
    with db.read() as session:
        assert session.get_one(Conversation, first.conversation_id).message_count == 2


def test_one_bad_message_does_not_cost_the_others(
    db: Database, world: World, triager_engine: Any
) -> None:
    triager = _plain(triager_engine)
    results = store(db, world, triager, inbound("خوب", pid="a"),
                    inbound("no such channel", channel="fax"),
                    inbound("x" * 10_001), inbound("عالی", pid="b"))
    assert isinstance(results[0], Stored) and isinstance(results[3], Stored)
    assert isinstance(results[1], NotFound) and "fax" in results[1].message
    assert isinstance(results[2], PayloadTooLarge) and "10,000" in results[2].message
    assert count(db, Message) == 2


def test_a_repeated_provider_id_in_one_batch_is_a_retry_or_a_conflict(
    db: Database, world: World, triager_engine: Any
) -> None:
    triager = _plain(triager_engine)
    results = store(db, world, triager, inbound("پولم کم شد", pid="p-1"),
                    inbound("پولم کم شد", pid="p-1"), inbound("چیز دیگری", pid="p-1"))
    first, retry, reused = results
    assert isinstance(first, Stored) and first.created
    assert isinstance(retry, Stored) and not retry.created
    assert retry.message_id == first.message_id
    assert isinstance(reused, Conflict)
    assert count(db, Message) == 1
    [later] = store(db, world, triager, inbound("پولم کم شد", pid="p-1"))
    assert isinstance(later, Stored) and not later.created
    assert later.message_id == first.message_id


def test_a_phone_shared_by_two_new_senders_in_a_batch_is_one_person(
    db: Database, world: World, triager_engine: Any
) -> None:
    triager = _plain(triager_engine)
    results = store(db, world, triager,
                    inbound("سلام از واتساپ", "+989121234567", channel="whatsapp"),
                    inbound("سلام از چت", "visitor-9", phone="۰۹۱۲۱۲۳۴۵۶۷"))
    contacts = {r.contact_id for r in results if isinstance(r, Stored)}
    assert len(contacts) == 1
    assert count(db, ContactIdentity) == 2  # the phone, and the chat visitor id
    assert count(db, Conversation) == 2  # one per channel


def test_a_second_channel_in_the_same_batch_counts_as_a_repeat_contact(
    db: Database, world: World, triager_engine: Any
) -> None:
    seen: list[int] = []
    real = _plain(triager_engine)

    class Spy:
        def triage_message(self, text: str, **context: Any) -> Any:
            seen.append(context["repeat_contacts"])
            return real.triage_message(text, **context)

    store(db, world, Spy(), inbound("پرداخت نشد", "x", phone="09120000001"),
          inbound("پرداخت نشد", "09120000001", channel="sms"))
    assert seen == [0, 1]


def test_the_writer_answers_every_request_once_its_batch_is_committed(
    db: Database, world: World, triager_engine: Any
) -> None:
    writer = IngestWriter(db, _plain(triager_engine), max_chars=10_000)
    committed: list[int] = []
    writer.on_commit.append(lambda stored: committed.extend(s.message_id for s in stored))
    barrier = threading.Barrier(16)
    futures: list[Any] = []
    lock = threading.Lock()

    def send(n: int) -> None:
        barrier.wait()
        future = writer.submit(world.workspace_id, inbound(f"پیام {n}", f"v-{n % 4}",
                                                             pid=f"m-{n}"))
        with lock:
            futures.append(future)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [f.result(timeout=30) for f in futures]
    writer.stop()
    assert all(isinstance(r, Stored) and r.created for r in results)
    assert sorted(committed) == sorted(r.message_id for r in results if isinstance(r, Stored))
    assert count(db, Message) == 16 and count(db, Conversation) == 4
    assert writer.messages == 16 and writer.batches <= 16


def test_the_writer_stores_what_is_queued_before_it_stops(
    db: Database, world: World, triager_engine: Any
) -> None:
    writer = IngestWriter(db, _plain(triager_engine), max_chars=10_000)
    futures = [writer.submit(world.workspace_id, inbound(f"پیام {n}", pid=f"s-{n}"))
               for n in range(20)]
    writer.stop()
    assert all(f.done() for f in futures)
    assert count(db, Message) == 20


def _plain(engine: Any) -> Any:
    from pasokh.ingest.triager import WorkspaceTriager

    return WorkspaceTriager(engine, lambda _: None)


def test_a_bare_score_after_a_survey_answers_it_instead_of_opening_a_conversation(
    db: Database, world: World, triager_engine: Any
) -> None:
    from pasokh.inbox.actions import do_reply, do_set_status
    from pasokh.surveys.models import Survey
    from pasokh.surveys.service import do_schedule_surveys, do_send_due_surveys
    from pasokh.workspaces.models import Workspace

    triager = _plain(triager_engine)
    t0 = utcnow() - timedelta(hours=3)
    [first] = store(db, world, triager, inbound("کارتم مسدود شد", "tg-5", channel="telegram-bot"),
                    at=t0)
    assert isinstance(first, Stored)
    with db.write() as session:
        conversation = session.get_one(Conversation, first.conversation_id)
        do_reply(session=session, conversation=conversation, author=None, by_bot=True,
                 text="کارت شما باز شد.", at=t0 + timedelta(minutes=2), deliver=False)
        do_set_status(session=session, conversation=conversation, status="resolved",
                      actor=None, at=t0 + timedelta(minutes=5))
        workspace = session.get_one(Workspace, world.workspace_id)
        do_schedule_surveys(session=session, workspace=workspace, now=t0 + timedelta(hours=2))
        assert do_send_due_surveys(session=session, workspace=workspace,
                                   now=t0 + timedelta(hours=2))
        session.commit()

    [answer] = store(db, world, triager, inbound("۵", "tg-5", channel="telegram-bot"))
    assert isinstance(answer, Stored) and answer.created
    assert answer.conversation_id == first.conversation_id
    with db.read() as session:
        survey = session.scalars(select(Survey)).one()
        assert (survey.status, survey.score, survey.answer_message_id) == \
            ("answered", 5, answer.message_id)
        assert session.get_one(Conversation, first.conversation_id).status == "resolved"
    assert count(db, Conversation) == 1
    assert count(db, OutboxJob, OutboxJob.kind == "route") == 1  # only the first message
