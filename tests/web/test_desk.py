"""The agent desk: inbox (views, filters, search, counts) and the conversation page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from pasokh.channels.models import Channel
from pasokh.db import Database, utcnow
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.jobs.models import OutboxJob
from pasokh.replies.models import ReplyTemplate
from pasokh.users.models import User
from tests.conftest import World, build_world
from tests.ingest.test_messages_api import message
from tests.web.test_login import login

URGENT = "پول از حسابم کم شد ولی سفارش ثبت نشد!"
NORMAL = "سلام، ساعت کاری پشتیبانی تا کیه؟"
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def push(client: TestClient, world: World, text: str, who: str, *, pid: str | None = None,
         channel: str = "webchat", name: str | None = None, **extra: Any) -> dict[str, Any]:
    body = message(text=text, channel=channel, provider_message_id=pid or f"{who}-{text[:12]}",
                   sender={"external_id": who, "name": name or who}, **extra)
    response = client.post("/api/v1/messages", json=body, headers=world.auth("integration"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found
    return found.group(1)


def rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="conv[^"]*" data-id="(\d+)"', page)]


def age(db: Database, conversation_id: int, minutes: int) -> None:
    """Pretend the customer has been waiting `minutes`."""
    with db.write() as session:
        c = session.get(Conversation, conversation_id)
        assert c is not None
        c.waiting_since = utcnow() - timedelta(minutes=minutes)
        session.commit()


def test_an_urgent_message_is_listed_above_older_normal_ones_with_its_reasons(
    client: TestClient, world: World, db: Database
) -> None:
    old = push(client, world, NORMAL, "visitor-old")
    age(db, old["conversation_id"], 180)
    urgent = push(client, world, URGENT, "visitor-new")
    assert urgent["triage"]["priority"] == "urgent"
    login(client, world, "sara")
    page = client.get("/inbox").text
    assert rows(page) == [urgent["conversation_id"], old["conversation_id"]]
    # The reasons show on hover (title) and to screen readers (aria-label).
    badge = re.search(r'<span class="badge prio prio-urgent"[^>]*title="([^"]*)"', page)
    # in the reader's language: Persian here («پول کسر شده ولی سفارش یا خدمتی ثبت نشده»)
    assert badge and "پول کسر شده ولی سفارش یا خدمتی ثبت نشده" in badge.group(1)
    assert "۳ ساعت" in page  # waiting time, in Persian digits


def test_views_count_mine_unassigned_and_all(client: TestClient, world: World,
                                             db: Database) -> None:
    a = push(client, world, NORMAL, "v1")
    push(client, world, URGENT, "v2")
    with db.write() as session:
        c = session.get(Conversation, a["conversation_id"])
        assert c is not None
        c.assignee_id = world.users["sara"]
        session.commit()
    login(client, world, "sara")
    page = client.get("/inbox").text
    counts = dict(re.findall(r'data-view="(\w+)"[^>]*>\s*<span>[^<]*</span> '
                             r'<span class="count" data-count="(\d+)"', page))
    assert counts == {"mine": "1", "team": "0", "unassigned": "1", "all": "2"}
    assert rows(client.get("/inbox?view=mine").text) == [a["conversation_id"]]
    assert a["conversation_id"] not in rows(client.get("/inbox?view=unassigned").text)


def settle(db: Database, conversation_id: int, **fields: Any) -> None:
    """Give a conversation known triage fields, whatever the current model says."""
    with db.write() as session:
        c = session.get(Conversation, conversation_id)
        assert c is not None
        for name, value in fields.items():
            setattr(c, name, value)
        session.commit()


@pytest.mark.parametrize(("query", "expected"), [
    ("priority=urgent", ["urgent"]),
    ("priority=normal", ["normal"]),
    ("category=technical&priority=urgent", ["urgent"]),
    ("sentiment=positive", ["normal"]),
    ("language=en", ["normal"]),
    ("channel=webchat", ["urgent"]),
    ("channel=email-support", []),
    ("status=resolved", []),
    ("status=all", ["urgent", "normal"]),
])
def test_filters(client: TestClient, world: World, db: Database, query: str,
                 expected: list[str]) -> None:
    ids = {"urgent": push(client, world, URGENT, "v1")["conversation_id"],
           "normal": push(client, world, "Thanks, lovely service!", "v2",
                          channel="telegram-bot")["conversation_id"]}
    settle(db, ids["urgent"], priority="urgent", priority_rank=0, category="technical",
           sentiment="negative", language="fa")
    settle(db, ids["normal"], priority="normal", priority_rank=2, category="feedback",
           sentiment="positive", language="en")
    login(client, world, "sara")
    listed = rows(client.get(f"/inbox?{query}").text)
    assert sorted(listed) == sorted(ids[name] for name in expected)


def test_an_unknown_filter_value_is_a_sentence_not_a_crash(client: TestClient,
                                                            world: World) -> None:
    login(client, world, "sara")
    response = client.get("/inbox?priority=panic")
    # Sara reads Persian pages, so the sentence is in Persian too.
    assert response.status_code == 400 and response.json()["detail"] == (
        "priority «panic» شناخته نیست؛ یکی از این‌ها را بگذارید: urgent، high، normal، low.")
    assert client.get("/inbox?view=everything").status_code == 400


@pytest.mark.parametrize(("stored", "searched"), [
    ("من می‌خواهم سفارشم را لغو کنم", "ميخواهم"),        # Arabic yeh, no ZWNJ
    ("من ميخواهم سفارشم را لغو کنم", "می‌خواهم"),        # the other way round
    ("کد پیگیری ۱۲۳۴۵ کجاست", "12345"),                  # Persian digits
    ("لطفا كمك كنيد", "کمک"),                            # Arabic kaf and yeh
    ("The PARCEL never arrived", "parcel"),              # English, any case
])
def test_search_is_persian_aware(client: TestClient, world: World, stored: str,
                                 searched: str) -> None:
    hit = push(client, world, stored, "v1")
    push(client, world, "سلام وقت بخیر", "v2")
    login(client, world, "sara")
    assert rows(client.get("/inbox", params={"q": searched}).text) == [hit["conversation_id"]]


def test_search_finds_the_customer_by_name_and_treats_wildcards_literally(
    client: TestClient, world: World
) -> None:
    hit = push(client, world, NORMAL, "v1", name="نیلوفر یزدانی")
    push(client, world, "سلام", "v2", name="آرش")
    login(client, world, "sara")
    assert rows(client.get("/inbox", params={"q": "نیلوفر"}).text) == [hit["conversation_id"]]
    assert rows(client.get("/inbox", params={"q": "%"}).text) == []


@pytest.mark.parametrize(("searched", "other"), [
    ("علی رضایی", "علي رضايي"),      # the customer's name, Persian or Arabic yeh
    ("کد پیگیری", "كد پيگيري"),      # an agent's reply, Persian or Arabic kaf and yeh
    ("می‌خواهم پس", "ميخواهم پس"),   # a batch-inserted message, with or without ZWNJ
    ("مرجوعی کالا", "مرجوعي كالا"),  # the subject, changed after the fact
])
def test_every_writer_keeps_the_search_text_current(
    client: TestClient, world: World, db: Database, searched: str, other: str
) -> None:
    """Regression: search reads `search_text`, which database triggers (0006) fill."""
    from sqlalchemy import insert

    from pasokh.customers.models import Contact

    hit = push(client, world, "سلام", "v1", name="علي رضايي")
    miss = push(client, world, "سلام وقت بخیر", "v2", name="آرش")
    cid = hit["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    assert client.post(f"/api/v1/conversations/{cid}/replies",
                       json={"text": "كد پيگيري شما آماده است"}, headers=h).status_code == 201
    with db.write() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        session.execute(insert(Message), [{
            "workspace_id": world.workspace_id, "conversation_id": cid,
            "channel_id": conversation.channel_id, "direction": "inbound",
            "sender_type": "contact", "text": "من می‌خواهم پس بدهم"}])
        conversation.subject = "مرجوعي كالا"
        session.commit()
    for q in (searched, other):
        page = client.get("/inbox", params={"q": q}).text
        assert rows(page) == [cid], q
        assert re.search(r'data-view="all".*?data-count="1"', page, re.S), q
    # A renamed customer is found by the new name only.
    with db.write() as session:
        contact = session.get(Contact, hit["contact_id"])
        assert contact is not None
        contact.display_name = "نیلوفر"
        session.commit()
    assert rows(client.get("/inbox", params={"q": "نيلوفر"}).text) == [cid]
    assert rows(client.get("/inbox", params={"q": "رضایی"}).text) == []
    assert miss["conversation_id"] not in rows(client.get("/inbox", params={"q": other}).text)


def selects(client: TestClient, db: Database, url: str) -> int:
    """How many SELECT statements one page view runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


def test_the_inbox_runs_a_bounded_number_of_queries(client: TestClient, world: World,
                                                     db: Database) -> None:
    def selects_for_inbox() -> int:
        return selects(client, db, "/inbox")

    login(client, world, "sara")
    for i in range(3):
        push(client, world, f"{NORMAL} {i}", f"few-{i}")
    few = selects_for_inbox()
    for i in range(25):
        push(client, world, f"{URGENT} {i}" if i % 3 else f"{NORMAL} {i}", f"many-{i}")
    many = selects_for_inbox()
    assert few == many, "the query count grows with the number of conversations (N+1)"
    # session + user, page, view counts, triage, routing, people, channels, workspace
    assert many <= 9
    assert selects(client, db, "/inbox?q=سفارش&view=mine&channel=webchat") <= many


def test_the_conversation_page_runs_a_bounded_number_of_queries(
    client: TestClient, world: World, db: Database
) -> None:
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    cid = push(client, world, NORMAL, "v1", pid="first")["conversation_id"]

    def one_more_past_conversation(i: int) -> int:
        client.post(f"/api/v1/conversations/{cid}/replies", json={"text": f"پاسخ {i}"},
                    headers=h)
        client.put(f"/api/v1/conversations/{cid}/status", json={"status": "resolved"},
                   headers=h)
        return int(push(client, world, f"{NORMAL} {i}", "v1", pid=f"again-{i}")["conversation_id"])

    cid = one_more_past_conversation(0)
    few = selects(client, db, f"/conversations/{cid}")
    for i in range(1, 4):  # more earlier conversations of the same customer, with replies
        cid = one_more_past_conversation(i)
    assert selects(client, db, f"/conversations/{cid}") == few
    assert few <= 17  # one reads the business calendar for the snooze choices


def test_hostile_text_is_inert_on_the_conversation_page(client: TestClient,
                                                        world: World) -> None:
    pushed = push(client, world, HOSTILE, "v1", name='<b onmouseover="x()">Eve</b>')
    login(client, world, "sara")
    page = client.get(f"/conversations/{pushed['conversation_id']}").text
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<b onmouseover' not in page and "&lt;b onmouseover=" in page


def test_the_conversation_page_shows_the_thread_and_the_customer_card(
    client: TestClient, world: World, db: Database
) -> None:
    first = push(client, world, "سفارشم دیر رسید", "v1", pid="p1")
    login(client, world, "sara")
    csrf = csrf_of(client.get("/inbox").text)
    headers = {"X-CSRF-Token": csrf}
    cid = first["conversation_id"]
    assert client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "پیگیری میکنم"},
                       headers=headers).status_code == 201
    assert client.put(f"/api/v1/conversations/{cid}/status", json={"status": "resolved"},
                      headers=headers).status_code == 200
    again = push(client, world, "باز هم سلام، بسته رسید ولی ناقص بود", "v1", pid="p2")
    assert again["conversation_id"] != cid
    page = client.get(f"/conversations/{again['conversation_id']}").text
    assert "بسته رسید ولی ناقص بود" in page          # this thread
    assert "کارت مشتری" in page
    assert 'class="kind">گفت‌وگوی وب‌سایت</span> <bdi dir="ltr">v1</bdi>' in page  # identity
    assert "سفارشم دیر رسید" in page and "پیگیری میکنم" in page  # earlier, readable inline
    assert f'href="/conversations/{cid}"' in page


def test_the_review_view_holds_what_the_model_was_unsure_of_until_someone_corrects_it(
    client: TestClient, world: World, db: Database
) -> None:
    unsure = push(client, world, "خب؟", "r1")
    sure = push(client, world, URGENT, "r2")
    with db.write() as session:
        for decision in session.scalars(select(TriageDecision)):
            decision.needs_review = decision.message_id == unsure["id"]
        session.commit()
    login(client, world, "sara")
    page = client.get("/inbox?view=review").text
    assert rows(page) == [unsure["conversation_id"]]
    assert 'data-view="review"' in page and "نیاز به بازبینی" in page
    api = client.get("/api/v1/conversations", params={"needs_review": "true"},
                     headers=world.auth("supervisor")).json()
    assert [c["id"] for c in api["items"]] == [unsure["conversation_id"]]
    h = {"X-CSRF-Token": csrf_of(page)}
    assert client.put(f"/api/v1/conversations/{unsure['conversation_id']}/triage",
                      json={"category": "other", "priority": "low"},
                      headers=h).status_code == 200
    assert rows(client.get("/inbox?view=review").text) == []  # corrected: reviewed
    assert sure["conversation_id"] in rows(client.get("/inbox?view=all").text)


def test_the_conversation_page_says_why_the_priority_in_the_readers_language(
    client: TestClient, world: World
) -> None:
    urgent = push(client, world, URGENT, "why-1")
    assert any(r.startswith("money taken but no order") for r in urgent["triage"]["reasons"])
    login(client, world, "sara")
    page = client.get(f"/conversations/{urgent['conversation_id']}").text
    why = re.search(r'<p class="why" id="why-priority">(.*?)</p>', page, re.S)
    assert why and "چرا این اولویت:" in why.group(1)
    assert "پول کسر شده ولی سفارش یا خدمتی ثبت نشده: «" in why.group(1)
    assert "مدل آن را" in why.group(1) and "money taken" not in why.group(1)
    client.post("/preferences/locale", data={"csrf": csrf_of(page), "locale": "en",
                                             "back": "/inbox"}, follow_redirects=False)
    english = client.get(f"/conversations/{urgent['conversation_id']}").text
    why = re.search(r'<p class="why" id="why-priority">(.*?)</p>', english, re.S)
    assert why and "Why this priority:" in why.group(1)
    assert "money taken but no order or service: &#34;" in why.group(1)


def test_an_urgent_conversation_keeps_the_urgent_messages_reasons_and_takes_its_correction(
    client: TestClient, world: World, db: Database
) -> None:
    urgent = push(client, world, URGENT, "photo-1", pid="u1")
    photo = push(client, world, "[photo]", "photo-1", pid="u2")
    cid = urgent["conversation_id"]
    assert photo["conversation_id"] == cid and photo["triage"]["priority"] != "urgent"
    login(client, world, "sara")
    page = client.get(f"/conversations/{cid}").text
    why = re.search(r'<p class="why" id="why-priority">(.*?)</p>', page, re.S)
    assert why and "پول کسر شده" in why.group(1)  # the complaint's reasons, not the photo's
    inbox_page = client.get("/inbox").text
    badge = re.search(rf'data-id="{cid}".*?<span class="badge prio prio-urgent"[^>]*title="'
                      r'([^"]*)"', inbox_page, re.S)
    assert badge and "پول کسر شده" in badge.group(1)
    assert client.put(f"/api/v1/conversations/{cid}/triage", json={"priority": "high"},
                      headers={"X-CSRF-Token": csrf_of(page)}).status_code == 200
    with db.read() as session:
        corrected = session.scalars(select(TriageDecision).where(
            TriageDecision.corrected_priority.is_not(None))).one()
        assert corrected.message_id == urgent["id"]  # the message that earned "urgent"


def test_people_read_the_channels_name_and_programs_its_key(
    client: TestClient, world: World, db: Database
) -> None:
    with db.write() as session:
        channel = session.scalar(select(Channel).where(Channel.key == "telegram-bot"))
        assert channel is not None
        channel.name = "ربات تلگرام فروشگاه"
        session.commit()
    sent = push(client, world, "سفارشم کجاست؟", "t1", channel="telegram-bot")
    login(client, world, "sara")
    inbox = client.get("/inbox").text
    assert 'chan-telegram">ربات تلگرام فروشگاه</span>' in inbox
    page = client.get(f"/conversations/{sent['conversation_id']}").text
    assert page.count("ربات تلگرام فروشگاه") >= 3  # header, the message, "reply to"
    api = client.get(f"/api/v1/conversations/{sent['conversation_id']}").json()
    assert (api["channel"], api["channel_kind"], api["channel_name"]) == \
        ("telegram-bot", "telegram", "ربات تلگرام فروشگاه")


def test_reply_with_a_template_is_stored_and_queued_for_the_channel(
    client: TestClient, world: World, db: Database
) -> None:
    pushed = push(client, world, URGENT, "v1", name="سارا احمدی {{agent.name}} {% if 1 %}")
    cid = pushed["conversation_id"]
    with db.write() as session:
        session.add(ReplyTemplate(workspace_id=world.workspace_id, name="پیگیری", locale="fa",
                                  category=pushed["triage"]["category"],
                                  body="سلام {{customer.first_name}}، {{ticket.number}} ثبت شد. "
                                       "{{agent.name}} {{unknown.thing}}"))
        session.commit()
    login(client, world, "sara")
    page = client.get(f"/conversations/{cid}").text
    headers = {"X-CSRF-Token": csrf_of(page)}
    templates = client.get(f"/api/v1/conversations/{cid}/templates", headers=headers).json()
    text = templates[0]["text"]
    # The customer's own braces stay literal: values are never evaluated as a template.
    assert text == f"سلام سارا، #C{cid} ثبت شد. sara {{{{unknown.thing}}}}"
    assert templates[0]["suggested"] is True
    reply = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": text},
                        headers=headers)
    assert reply.status_code == 201, reply.text
    with db.read() as session:
        stored = session.get(Message, reply.json()["id"])
        assert stored is not None and stored.direction == "outbound" and stored.text == text
        job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply")).one()
        assert job.payload == {"message_id": stored.id}
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.waiting_since is None


def test_a_note_is_internal_and_never_sent(client: TestClient, world: World,
                                           db: Database) -> None:
    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    headers = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    note = client.post(f"/api/v1/conversations/{cid}/notes", json={"text": "مشتری ویژه است"},
                       headers=headers)
    assert note.status_code == 201 and note.json()["kind"] == "note"
    with db.read() as session:
        assert session.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply")
                               ).all() == []
    page = client.get(f"/conversations/{cid}").text
    assert "kind-note" in page and "مشتری ویژه است" in page


def test_an_agent_of_another_workspace_cannot_be_assigned(client: TestClient, world: World,
                                                          db: Database) -> None:
    other = build_world(db, slug="sepid")
    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    foreign = client.put(f"/api/v1/conversations/{cid}/assignee",
                         json={"assignee_id": other.users["sara"]}, headers=h)
    assert foreign.status_code == 422 and "در این فضای کاری نیست" in foreign.json()["detail"]


def test_assign_resolve_reopen_and_snooze(client: TestClient, world: World) -> None:
    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    url = f"/api/v1/conversations/{cid}"
    assigned = client.put(f"{url}/assignee", json={"assignee_id": world.users["sara"]}, headers=h)
    assert assigned.json()["assignee_id"] == world.users["sara"]
    analyst = client.put(f"{url}/assignee", json={"assignee_id": world.users["nima"]}, headers=h)
    assert analyst.status_code == 422 and "تحلیلگر به مشتری پاسخ نمی‌دهد" in analyst.json()["detail"]
    assert client.put(f"{url}/assignee", json={"assignee_id": None},
                      headers=h).json()["assignee_id"] is None
    assert client.put(f"{url}/status", json={"status": "resolved"},
                      headers=h).json()["status"] == "resolved"
    reopened = client.put(f"{url}/status", json={"status": "open"}, headers=h)
    assert reopened.json()["status"] == "open"
    later = (utcnow() + timedelta(hours=3)).isoformat()
    snoozed = client.put(f"{url}/status", json={"status": "snoozed", "snoozed_until": later},
                         headers=h)
    assert snoozed.json()["status"] == "snoozed"
    past = client.put(f"{url}/status", json={"status": "snoozed",
                                             "snoozed_until": "2020-01-01T00:00:00+00:00"},
                      headers=h)
    assert past.status_code == 422 and "زمان تعویق گذشته است" in past.json()["detail"]
    assert client.put(f"{url}/status", json={"status": "closed"}, headers=h).status_code == 422


def test_reopening_when_the_customer_already_wrote_again_is_a_conflict(
    client: TestClient, world: World
) -> None:
    cid = push(client, world, NORMAL, "v1", pid="a")["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    client.put(f"/api/v1/conversations/{cid}/status", json={"status": "resolved"}, headers=h)
    push(client, world, "یک سوال دیگر", "v1", pid="b")
    response = client.put(f"/api/v1/conversations/{cid}/status", json={"status": "open"},
                          headers=h)
    assert response.status_code == 409 and "گفت‌وگوی بازی دارد" in \
        response.json()["detail"]


def test_a_triage_correction_is_stored_beside_the_decision(client: TestClient, world: World,
                                                           db: Database) -> None:
    pushed = push(client, world, NORMAL, "v1")
    cid = pushed["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    response = client.put(f"/api/v1/conversations/{cid}/triage",
                          json={"category": "complaint", "priority": "high"}, headers=h)
    assert response.status_code == 200, response.text
    with db.read() as session:
        decision = session.scalars(select(TriageDecision)).one()
        assert (decision.corrected_category, decision.corrected_priority) == ("complaint", "high")
        assert decision.category == pushed["triage"]["category"]  # the model's answer is kept
        assert decision.corrected_by_id == world.users["sara"] and decision.corrected_at
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert (conversation.category, conversation.priority, conversation.priority_rank) == \
            ("complaint", "high", 1)
    bad = client.put(f"/api/v1/conversations/{cid}/triage", json={"priority": "panic"}, headers=h)
    assert bad.status_code == 422
    assert client.put(f"/api/v1/conversations/{cid}/triage", json={},
                      headers=h).status_code == 422


def test_actions_from_a_cookie_session_need_the_csrf_header(client: TestClient,
                                                            world: World) -> None:
    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    refused = client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "hi"})
    assert refused.status_code == 403


def test_another_workspaces_conversation_is_not_found(client: TestClient, world: World,
                                                      db: Database) -> None:
    from tests.conftest import build_world

    other = build_world(db, slug="other")
    body = message(provider_message_id="x")
    cid = client.post("/api/v1/messages", json=body,
                      headers=other.auth("integration")).json()["conversation_id"]
    login(client, world, "sara")
    assert client.get(f"/conversations/{cid}").status_code == 404
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    assert client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "x"},
                       headers=h).status_code == 404


@pytest.mark.parametrize(("locale", "direction", "marker"), [
    ("fa", "rtl", re.compile(r"<time[^>]*>۱۴\d\d/[۰-۹]{2}/[۰-۹]{2}")),  # Jalali, Persian digits
    ("en", "ltr", re.compile(r"<time[^>]*>20\d\d-\d\d-\d\d")),          # Gregorian
])
def test_each_person_chooses_the_language(client: TestClient, world: World, locale: str,
                                          direction: str, marker: re.Pattern[str]) -> None:
    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    csrf = csrf_of(client.get("/inbox").text)
    client.post("/preferences/locale", data={"csrf": csrf, "locale": locale, "back": "/inbox"},
                follow_redirects=False)
    page = client.get(f"/conversations/{cid}").text
    assert f'<html lang="{locale}" dir="{direction}">' in page
    assert marker.search(page), page[:300]


def test_the_locale_switch_refuses_a_foreign_redirect(client: TestClient, world: World) -> None:
    login(client, world, "sara")
    csrf = csrf_of(client.get("/inbox").text)
    response = client.post("/preferences/locale", follow_redirects=False,
                           data={"csrf": csrf, "locale": "en", "back": "//evil.example/"})
    assert response.headers["location"] == "/inbox"


def test_supervisors_manage_templates_and_agents_cannot(client: TestClient, world: World) -> None:
    login(client, world, "reza")
    page = client.get("/admin")
    assert page.status_code == 200 and "reza@narenj.example" in page.text
    h = {"X-CSRF-Token": csrf_of(page.text)}
    body = {"name": "تشکر", "locale": "fa", "category": "feedback",
            "body": "ممنون {{customer.first_name}} جان"}
    created = client.post("/api/v1/templates", json=body, headers=h)
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/templates", json=body, headers=h).status_code == 409
    bad = client.post("/api/v1/templates", json={**body, "name": "x", "body": "{{customer.iban}}"},
                      headers=h)
    assert bad.status_code == 422 and "{{customer.iban}}" in bad.json()["detail"]
    tid = created.json()["id"]
    changed = client.put(f"/api/v1/templates/{tid}", json={**body, "body": "مرسی"}, headers=h)
    assert changed.json()["body"] == "مرسی"
    assert "مرسی" in client.get("/admin").text
    assert client.delete(f"/api/v1/templates/{tid}", headers=h).status_code == 204
    assert client.get("/api/v1/templates", headers=h).json() == []
    client.cookies.clear()
    login(client, world, "sara")
    assert client.get("/admin").status_code == 403
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    assert client.post("/api/v1/templates", json=body, headers=h).status_code == 403


def test_sla_countdowns_and_the_tag_filter(client: TestClient, world: World,
                                           db: Database) -> None:
    from pasokh.routing.models import ConversationRouting

    late = push(client, world, NORMAL, "v1")["conversation_id"]
    soon = push(client, world, "سلام، سفارش عمده دارم", "v2")["conversation_id"]
    now = utcnow()
    with db.write() as session:
        for cid, due, tags in ((late, now - timedelta(minutes=30), ["پرداخت", "vip"]),
                               (soon, now + timedelta(hours=2, minutes=5), ["wholesale"])):
            row = session.get(ConversationRouting, cid)
            if row is None:
                row = ConversationRouting(conversation_id=cid, workspace_id=world.workspace_id)
                session.add(row)
            row.first_response_due, row.tags = due, tags
        session.commit()
    login(client, world, "sara")
    page = client.get("/inbox").text
    assert re.search(r'class="sla overdue" data-overdue="true">دیرکرد: ۳۰ دقیقه', page)
    assert re.search(r'class="sla" data-overdue="false">مهلت پاسخ: ۲ ساعت', page)
    assert rows(client.get("/inbox", params={"tag": "پرداخت"}).text) == [late]
    assert rows(client.get("/inbox", params={"tag": "wholesale"}).text) == [soon]
    assert rows(client.get("/inbox", params={"tag": "who%"}).text) == []


def test_convert_to_a_ticket_and_the_template_quotes_its_number(client: TestClient,
                                                                 world: World) -> None:
    cid = push(client, world, URGENT, "v1", name="رضا کریمی")["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    first = client.post(f"/api/v1/conversations/{cid}/ticket", headers=h)
    assert first.status_code == 200, first.text
    again = client.post(f"/api/v1/conversations/{cid}/ticket", headers=h).json()
    assert again["number"] == first.json()["number"]  # one open ticket per conversation
    page = client.get(f"/conversations/{cid}").text
    assert 'id="ticket-ref"' in page
    from pasokh.replies.service import render_template, template_values

    values = template_values(customer_name="رضا کریمی", agent_name="sara", conversation_id=cid,
                             ticket_number=first.json()["number"])
    assert render_template("{{ticket.number}}", values) == first.json()["reference"]


def test_merge_two_conversations_of_the_same_customer(client: TestClient, world: World,
                                                      db: Database) -> None:
    phone = "0912 123 4567"  # the same customer on two channels, recognised by phone
    first = client.post("/api/v1/messages", headers=world.auth("integration"), json=message(
        channel="webchat", provider_message_id="w-1", text="سفارشم نرسید",
        sender={"external_id": "visitor-1", "phone": phone})).json()
    second = client.post("/api/v1/messages", headers=world.auth("integration"), json=message(
        channel="telegram-bot", provider_message_id="t-1", text="همان سفارش",
        sender={"external_id": "5551234", "phone": phone})).json()
    assert first["contact_id"] == second["contact_id"]
    other = push(client, world, NORMAL, "stranger")
    login(client, world, "sara")
    page = client.get(f"/conversations/{second['conversation_id']}").text
    assert 'id="merge-into"' in page
    h = {"X-CSRF-Token": csrf_of(page)}
    merged = client.post(f"/api/v1/conversations/{second['conversation_id']}/merge",
                         json={"into_id": first["conversation_id"]}, headers=h)
    assert merged.status_code == 200, merged.text
    assert merged.json()["message_count"] == 2
    with db.read() as session:
        texts = session.scalars(select(Message.text).where(
            Message.conversation_id == first["conversation_id"]).order_by(Message.id)).all()
        assert list(texts) == ["سفارشم نرسید", "همان سفارش"]
        gone = session.get(Conversation, second["conversation_id"])
        assert gone is not None and gone.status == "resolved" and gone.message_count == 0
    refused = client.post(f"/api/v1/conversations/{first['conversation_id']}/merge",
                          json={"into_id": other["conversation_id"]}, headers=h)
    assert refused.status_code == 422 and "دو گفت‌وگوی یک مشتری" in refused.json()["detail"]


def _one_customer_on(client: TestClient, world: World, *channels: str) -> list[int]:
    """The same customer (recognised by phone) writing once on each channel."""
    return [client.post("/api/v1/messages", headers=world.auth("integration"), json=message(
        channel=channel, provider_message_id=f"{channel}-1", text="همان سفارش",
        sender={"external_id": f"{channel}-visitor", "phone": "0912 123 4567"})
    ).json()["conversation_id"] for channel in channels]


def test_a_merged_conversation_says_where_it_went(client: TestClient, world: World) -> None:
    kept, absorbed = _one_customer_on(client, world, "webchat", "telegram-bot")
    agent = world.auth("agent")
    assert client.post(f"/api/v1/conversations/{absorbed}/merge", json={"into_id": kept},
                       headers=agent).status_code == 200
    api = client.get(f"/api/v1/conversations/{absorbed}", headers=agent).json()
    assert (api["merged_into_id"], api["status"], api["message_count"]) == (kept, "resolved", 0)
    assert client.get(f"/api/v1/conversations/{kept}", headers=agent).json()[
        "merged_into_id"] is None
    login(client, world, "sara")  # Persian pages
    page = client.get(f"/conversations/{absorbed}").text
    assert re.search(rf'id="merged-into"[^>]*>[^<]*ادغام شده[^<]*<a href="/conversations/{kept}"',
                     page)
    assert 'id="reply-form"' not in page  # nothing to do on the shell: it points away
    card = client.get(f"/conversations/{kept}").text
    assert f'ادغام‌شده در #{kept}' not in card and "ادغام‌شده در #" in card  # Persian digits
    client.post("/preferences/locale", data={"csrf": csrf_of(card), "locale": "en",
                                             "back": "/inbox"})
    english = client.get(f"/conversations/{absorbed}").text
    assert "This conversation was merged into another" in english
    assert f"merged into #{kept}" in client.get(f"/conversations/{kept}").text


@pytest.mark.parametrize(("language", "again", "into_absorbed", "answer"), [
    ("en", "was already merged into conversation {kept}",
     "was merged into conversation {kept}; merge into {kept} instead",
     "This conversation was merged into conversation {kept}; continue there."),
    ("fa", "پیش‌تر در گفت‌وگوی {kept} ادغام شده است",
     "در گفت‌وگوی {kept} ادغام شده است؛ در گفت‌وگوی {kept} ادغام کنید",
     "این گفت‌وگو در گفت‌وگوی {kept} ادغام شده است؛ همان‌جا ادامه دهید."),
])
def test_a_merged_conversation_is_refused_a_second_merge_and_a_reply(
        client: TestClient, world: World, language: str, again: str, into_absorbed: str,
        answer: str) -> None:
    kept, absorbed = _one_customer_on(client, world, "webchat", "telegram-bot")
    h = {**world.auth("agent"), "Accept-Language": language}
    merge = f"/api/v1/conversations/{absorbed}/merge"
    assert client.post(merge, json={"into_id": kept}, headers=h).status_code == 200
    for url, body, sentence in ((merge, {"into_id": kept}, again),
                                (f"/api/v1/conversations/{kept}/merge", {"into_id": absorbed},
                                 into_absorbed),
                                (f"/api/v1/conversations/{absorbed}/replies",
                                 {"text": "سلام"}, answer)):
        refused = client.post(url, json=body, headers=h)
        assert refused.status_code == 422, refused.text
        assert sentence.format(kept=kept) in refused.json()["detail"]
        assert refused.json()["details"] == {"merged_into_id": kept}
    assert client.get(f"/api/v1/conversations/{kept}", headers=h).json()["message_count"] == 2


def test_merging_a_survivor_moves_its_absorbed_conversations_along(client: TestClient,
                                                                   world: World) -> None:
    first, second, third = _one_customer_on(client, world, "webchat", "telegram-bot",
                                            "instagram-main")
    h = world.auth("agent")
    for source, target in ((third, second), (second, first)):
        assert client.post(f"/api/v1/conversations/{source}/merge", json={"into_id": target},
                           headers=h).status_code == 200
    for cid in (second, third):  # both point at where the messages are now
        assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()[
            "merged_into_id"] == first
    assert client.get(f"/api/v1/conversations/{first}", headers=h).json()[
        "message_count"] == 3


def test_a_note_mentioning_a_colleague_tells_them(client: TestClient, world: World) -> None:
    published: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def publish(self, workspace_id: int, kind: str, data: dict[str, Any]) -> None:
            published.append((kind, data))

    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    client.app.state.events = Recorder()  # type: ignore[attr-defined]
    client.post(f"/api/v1/conversations/{cid}/notes", json={"text": "@reza لطفا ببین، @sara"},
                headers=h)
    mentions = [data for kind, data in published if kind == "mention"]
    assert mentions == [{"conversation_id": cid, "user_ids": [world.users["reza"]],
                         "by": "sara"}]


def test_answering_a_resolved_conversation_reopens_it(client: TestClient, world: World) -> None:
    cid = push(client, world, NORMAL, "v1")["conversation_id"]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    client.put(f"/api/v1/conversations/{cid}/status", json={"status": "resolved"}, headers=h)
    assert client.post(f"/api/v1/conversations/{cid}/replies", json={"text": "یک نکته دیگر"},
                       headers=h).status_code == 201
    assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()["status"] == "open"


def test_an_api_client_reads_errors_in_the_language_it_asks_for(client: TestClient,
                                                               world: World) -> None:
    url = "/api/v1/conversations/999999"
    english = client.get(url, headers=world.auth("agent"))
    persian = client.get(url, headers={**world.auth("agent"),
                                       "Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"})
    assert english.status_code == persian.status_code == 404
    assert english.json() == {"code": "E404", "detail": "There is no conversation 999999 in "
                                                        "this workspace."}
    assert persian.json() == {"code": "E404",
                              "detail": "گفت‌وگوی 999999 در این فضای کاری نیست."}
    missing = client.get("/api/v1/conversations?limit=0",
                         headers={**world.auth("agent"), "Accept-Language": "fa"})
    assert missing.status_code == 400
    assert missing.json()["detail"] == "limit باید بین ۱ و 200 باشد."


def test_a_person_who_reads_english_pages_reads_english_errors(client: TestClient,
                                                              world: World, db: Database) -> None:
    with db.write() as session:
        sara = session.get(User, world.users["sara"])
        assert sara is not None
        sara.locale = "en"
        session.commit()
    login(client, world, "sara")
    response = client.get("/inbox?priority=panic")
    assert response.json()["detail"] == \
        "Unknown priority 'panic': use one of urgent, high, normal, low."


def test_a_merge_moves_the_absorbed_conversations_tickets_to_the_survivor(
        client: TestClient, world: World, db: Database) -> None:
    from pasokh.tickets.models import TicketConversation
    from pasokh.tickets.service import do_link, do_open_ticket

    kept, absorbed = _one_customer_on(client, world, "webchat", "telegram-bot")
    with db.write() as session:
        only_absorbed = do_open_ticket(session=session, workspace_id=world.workspace_id,
                                       subject="درگاه پرداخت", conversation_ids=(absorbed,))
        both = do_open_ticket(session=session, workspace_id=world.workspace_id,
                              subject="همان مشکل", conversation_ids=(kept,))
        do_link(session=session, ticket=both, conversation_id=absorbed)
        tickets = (only_absorbed.id, both.id)
        session.commit()
    login(client, world, "sara")
    page = client.get(f"/conversations/{absorbed}").text
    merged = client.post(f"/api/v1/conversations/{absorbed}/merge", json={"into_id": kept},
                         headers={"X-CSRF-Token": csrf_of(page)})
    assert merged.status_code == 200, merged.text
    with db.read() as session:
        links = session.execute(select(TicketConversation.ticket_id,
                                       TicketConversation.conversation_id)).all()
    assert sorted(links) == sorted([(tickets[0], kept), (tickets[1], kept)])
