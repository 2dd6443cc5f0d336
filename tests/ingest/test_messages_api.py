"""POST /api/v1/messages: the generic channel any system can push customer messages into."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pasokh.db import Database
from pasokh.inbox.models import Conversation, Message, TriageDecision
from tests.conftest import World


def message(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "webchat",
        "provider_message_id": "chat-1",
        "sender": {"external_id": "visitor-42", "name": "رضا"},
        "text": "سلام، ساعت کاری پشتیبانی تا کیه؟",
    }
    body.update(overrides)
    return body


def count(db: Database, model: Any) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_message_is_stored_and_triaged_before_the_answer(
    client: TestClient, world: World, db: Database
) -> None:
    response = client.post("/api/v1/messages", json=message(), headers=world.auth("integration"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["text"] == "سلام، ساعت کاری پشتیبانی تا کیه؟"
    assert body["triage"]["language"] == "fa"
    assert body["triage"]["priority"] in ("urgent", "high", "normal", "low")
    assert body["triage"]["reasons"], "a priority always comes with reasons"
    assert body["triage"]["model_version"]
    with db.read() as session:
        decision = session.scalars(select(TriageDecision)).one()
        assert decision.message_id == body["id"]


def test_the_same_provider_message_twice_is_stored_once(
    client: TestClient, world: World, db: Database
) -> None:
    first = client.post("/api/v1/messages", json=message(), headers=world.auth("integration"))
    again = client.post("/api/v1/messages", json=message(), headers=world.auth("integration"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert count(db, Message) == 1
    assert count(db, TriageDecision) == 1


def test_an_idempotency_key_makes_a_retry_a_no_op(
    client: TestClient, world: World, db: Database
) -> None:
    body = message(provider_message_id=None)
    headers = {**world.auth("integration"), "Idempotency-Key": "order-sync-7781"}
    first = client.post("/api/v1/messages", json=body, headers=headers)
    again = client.post("/api/v1/messages", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert count(db, Message) == 1


def test_a_reused_id_with_different_text_is_a_conflict_not_a_silent_drop(
    client: TestClient, world: World
) -> None:
    client.post("/api/v1/messages", json=message(), headers=world.auth("integration"))
    response = client.post("/api/v1/messages", json=message(text="یک پیام دیگر"),
                           headers=world.auth("integration"))
    assert response.status_code == 409
    assert "already used for a different message" in response.json()["detail"]


def test_a_second_message_joins_the_open_conversation(
    client: TestClient, world: World, db: Database
) -> None:
    auth = world.auth("integration")
    a = client.post("/api/v1/messages", json=message(), headers=auth).json()
    b = client.post("/api/v1/messages", json=message(provider_message_id="chat-2",
                                                     text="کسی هست؟"), headers=auth).json()
    assert a["conversation_id"] == b["conversation_id"]
    other_channel = client.post("/api/v1/messages", headers=auth, json=message(
        channel="telegram-bot", provider_message_id="tg-1")).json()
    assert other_channel["conversation_id"] != a["conversation_id"]
    with db.read() as session:
        conversation = session.get(Conversation, a["conversation_id"])
        assert conversation is not None and conversation.message_count == 2


def test_an_urgent_message_escalates_the_conversation(
    client: TestClient, world: World, db: Database
) -> None:
    auth = world.auth("integration")
    client.post("/api/v1/messages", json=message(), headers=auth)
    urgent = client.post("/api/v1/messages", headers=auth, json=message(
        provider_message_id="chat-2",
        text="پول از حسابم کم شد ولی سفارش ثبت نشد!! کارت به کارت هم نمیشه")).json()
    assert urgent["triage"]["priority"] == "urgent"
    with db.read() as session:
        conversation = session.get(Conversation, urgent["conversation_id"])
        assert conversation is not None and conversation.priority == "urgent"


@pytest.mark.parametrize(("body", "status", "phrase"), [
    ({"channel": "webchat", "text": "hi"}, 422, "'sender' is required"),
    ({"channel": "webchat", "sender": {"name": "x"}, "text": "hi"}, 422,
     "at least one of external_id, phone or email"),
    (message(text="   "), 422, "text is empty"),
    (message(text=""), 422, "text"),
    (message(channel="fax"), 404, "no active channel 'fax'"),
    (message(reach=-3), 422, "reach"),
    (message(colour="red"), 422, "'colour' is not part of this API"),
    (message(sent_at="2026-11-24T10:00:00"), 422, "needs a time zone"),
    (message(sender={"phone": "not a phone"}), 422, "not a phone number"),
])
def test_bad_input_gets_a_4xx_with_a_sentence(
    client: TestClient, world: World, db: Database, body: dict[str, Any], status: int,
    phrase: str,
) -> None:
    response = client.post("/api/v1/messages", json=body, headers=world.auth("integration"))
    assert response.status_code == status, response.text
    assert phrase in response.json()["detail"]
    assert count(db, Message) == 0


def test_malformed_json_is_a_400_that_says_so(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/messages", content=b'{"channel": "webchat", "text": ',
                           headers={**world.auth("integration"),
                                    "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_oversized_text_states_the_limit(client: TestClient, world: World, db: Database) -> None:
    response = client.post("/api/v1/messages", json=message(text="ا" * 10_001),
                           headers=world.auth("integration"))
    assert response.status_code == 413
    assert "the limit is 10,000" in response.json()["detail"]
    assert count(db, Message) == 0


def test_an_oversized_body_is_refused_before_parsing(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/messages", content=b"x" * 300_000,
                           headers={**world.auth("integration"),
                                    "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "262,144 bytes" in response.json()["detail"]


@pytest.mark.parametrize(("headers", "phrase"), [
    ({}, "Authentication required"),
    ({"Authorization": "Bearer psk_not-a-real-token"}, "not valid"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Bearer"),
])
def test_missing_or_bad_tokens_are_refused(
    client: TestClient, world: World, headers: dict[str, str], phrase: str
) -> None:
    response = client.post("/api/v1/messages", json=message(), headers=headers)
    assert response.status_code == 401
    assert phrase in response.json()["detail"]


def test_a_token_cannot_reach_another_workspace(
    client: TestClient, world: World, db: Database
) -> None:
    from tests.conftest import build_world

    other = build_world(db, slug="sepid")
    created = client.post("/api/v1/messages", json=message(),
                          headers=world.auth("integration")).json()
    foreign = other.auth("admin")
    assert client.get(f"/api/v1/conversations/{created['conversation_id']}",
                      headers=foreign).status_code == 404
    assert client.get(f"/api/v1/messages/{created['id']}", headers=foreign).status_code == 404
    assert client.get("/api/v1/conversations", headers=foreign).json()["items"] == []


def test_html_in_a_message_is_stored_verbatim_and_returned_as_data(
    client: TestClient, world: World
) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = client.post("/api/v1/messages", json=message(text=hostile),
                           headers=world.auth("integration"))
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["text"] == hostile


# Once a token is known, ordinary posts skip the framework (web/fast_ingest.py); every
# answer must stay the same as the route's.

def _warm(client: TestClient, world: World) -> dict[str, Any]:
    first = client.post("/api/v1/messages", json=message(provider_message_id="warm-up"),
                        headers=world.auth("integration"))
    assert first.status_code == 201, first.text
    return dict(first.json())


def test_the_fast_path_answers_like_the_route(client: TestClient, world: World,
                                              db: Database) -> None:
    routed = _warm(client, world)
    fast = client.post("/api/v1/messages", json=message(provider_message_id="fast-1"),
                       headers=world.auth("integration"))
    assert fast.status_code == 201
    body = fast.json()
    assert body.keys() == routed.keys()
    assert body["conversation_id"] == routed["conversation_id"]
    assert body["triage"]["reasons"]
    again = client.post("/api/v1/messages", json=message(provider_message_id="fast-1"),
                        headers=world.auth("integration"))
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert count(db, Message) == 2


def test_errors_are_the_same_on_the_fast_path(client: TestClient, world: World) -> None:
    _warm(client, world)
    headers = world.auth("integration")
    unknown = client.post("/api/v1/messages", json=message(channel="fax"), headers=headers)
    assert unknown.status_code == 404 and "fax" in unknown.json()["detail"]
    client.post("/api/v1/messages", json=message(provider_message_id="dup"), headers=headers)
    reused = client.post("/api/v1/messages",
                         json=message(provider_message_id="dup", text="متن دیگری"),
                         headers=headers)
    assert reused.status_code == 409 and "dup" in reused.json()["detail"]
    missing = client.post("/api/v1/messages", json={"channel": "webchat", "text": "سلام"},
                          headers=headers)
    assert missing.status_code == 422 and "sender" in missing.json()["detail"]
    broken = client.post("/api/v1/messages", content=b"{not json", headers={
        **headers, "Content-Type": "application/json"})
    assert broken.status_code == 400 and "JSON" in broken.json()["detail"]
    long = client.post("/api/v1/messages", json=message(text="ب" * 10_001), headers=headers)
    assert long.status_code == 413 and "10,000" in long.json()["detail"]
    agent = client.post("/api/v1/messages", json=message(), headers=world.auth("agent"))
    assert agent.status_code == 403


def test_a_sender_refused_by_the_channel_is_a_4xx_not_a_logged_fault(
        client: TestClient, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pasokh")
    answer = client.post("/api/v1/messages", headers=world.auth("integration"), json={
        "channel": "sms", "provider_message_id": "sms-1",
        "sender": {"external_id": "visitor-9"}, "text": "سلام"})
    assert answer.status_code == 422
    assert "is not a phone number" in answer.json()["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("message refused" in r.getMessage() for r in caplog.records)
