"""Reading conversations: most urgent first, filters, and cursors that never skip a row."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.ingest.test_messages_api import message


def push(client: TestClient, world: World, n: int, text: str, **kw: object) -> dict[str, object]:
    body = message(provider_message_id=f"m-{n}", sender={"external_id": f"visitor-{n}"},
                   text=text, **kw)
    response = client.post("/api/v1/messages", json=body, headers=world.auth("integration"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_queue_puts_urgent_first_then_longest_waiting(client: TestClient,
                                                           world: World) -> None:
    push(client, world, 1, "سلام قیمت این کفش چنده؟")
    push(client, world, 2, "What are your opening hours?")
    urgent = push(client, world, 3, "my account was hacked and someone is making transfers!!")
    page = client.get("/api/v1/conversations", headers=world.auth("agent")).json()
    assert page["items"][0]["id"] == urgent["conversation_id"]
    assert page["items"][0]["priority"] == "urgent"
    rest = page["items"][1:]
    assert [c["waiting_since"] for c in rest] == sorted(c["waiting_since"] for c in rest)


def test_cursor_pagination_walks_every_conversation_once(client: TestClient,
                                                         world: World) -> None:
    for n in range(7):
        push(client, world, n, f"سفارش شماره {n} کی میرسه؟")
    for order in ("queue", "recent"):
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, object] = {"limit": 3, "order": order}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/conversations", params=params,
                              headers=world.auth("analyst")).json()
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 7, order


def test_filters_and_their_errors(client: TestClient, world: World) -> None:
    push(client, world, 1, "سلام قیمت این کفش چنده؟")
    push(client, world, 2, "hello", channel="telegram-bot")
    auth = world.auth("agent")
    only_tg = client.get("/api/v1/conversations", params={"channel": "telegram-bot"},
                         headers=auth).json()
    assert [c["channel"] for c in only_tg["items"]] == ["telegram-bot"]
    bad = client.get("/api/v1/conversations", params={"priority": "asap"}, headers=auth)
    assert bad.status_code == 400 and "Unknown priority 'asap'" in bad.json()["detail"]
    assert client.get("/api/v1/conversations", params={"cursor": "garbage!"},
                      headers=auth).status_code == 400
    assert client.get("/api/v1/conversations", params={"limit": 1000},
                      headers=auth).status_code == 400


def test_messages_of_a_conversation_in_order(client: TestClient, world: World) -> None:
    a = push(client, world, 1, "سلام")
    client.post("/api/v1/messages", headers=world.auth("integration"), json=message(
        provider_message_id="m-1b", sender={"external_id": "visitor-1"}, text="کسی نیست؟"))
    page = client.get(f"/api/v1/conversations/{a['conversation_id']}/messages",
                      headers=world.auth("agent")).json()
    assert [m["text"] for m in page["items"]] == ["سلام", "کسی نیست؟"]
    assert all(m["triage"] for m in page["items"])


def test_listing_conversations_costs_a_fixed_number_of_queries(
    client: TestClient, world: World, db: object
) -> None:
    from sqlalchemy import event

    for n in range(12):
        push(client, world, n, f"پیام {n}")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = client.app.state.db.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/api/v1/conversations", params={"limit": 10}, headers=world.auth("agent"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2, selects  # the token, then one joined page query
