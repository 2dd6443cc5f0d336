"""The routing, team, SLA and ticket API: supervisors and admins edit, agents read."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World

RULE: dict[str, Any] = {
    "name": "شکایت عمومی / public complaints",
    "conditions": {"categories": ["complaint"], "is_public": True},
    "handling": "invite_private", "tags": ["pr"], "priority_override": "high",
}


def test_a_supervisor_edits_rules_and_an_agent_reads_them(client: TestClient,
                                                          world: World) -> None:
    created = client.post("/api/v1/routing/rules", json=RULE, headers=world.auth("supervisor"))
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["conditions"]["categories"] == ["complaint"]
    listed = client.get("/api/v1/routing/rules", headers=world.auth("agent")).json()["items"]
    assert [r["id"] for r in listed] == [rule["id"]]
    denied = client.post("/api/v1/routing/rules", json=RULE, headers=world.auth("agent"))
    assert denied.status_code == 403
    changed = client.put(f"/api/v1/routing/rules/{rule['id']}",
                         json={**RULE, "position": 5}, headers=world.auth("admin"))
    assert changed.json()["position"] == 5
    gone = client.delete(f"/api/v1/routing/rules/{rule['id']}", headers=world.auth("admin"))
    assert gone.status_code == 204


@pytest.mark.parametrize(("body", "detail"), [
    ({**RULE, "handling": "fax"}, "handling"),
    ({**RULE, "conditions": {"categories": ["weather"]}}, "categories"),
    ({**RULE, "team_id": 999_999}, "Team 999999 does not exist"),
])
def test_bad_rules_get_a_sentence(client: TestClient, world: World, body: dict[str, Any],
                                  detail: str) -> None:
    response = client.post("/api/v1/routing/rules", json=body, headers=world.auth("admin"))
    assert response.status_code in (404, 422)
    assert detail in response.text


def test_a_routed_message_shows_its_rule_and_clock(client: TestClient, world: World) -> None:
    client.post("/api/v1/routing/rules", json=RULE, headers=world.auth("supervisor"))
    posted = client.post("/api/v1/messages", headers=world.auth("integration"), json={
        "channel": "instagram-main", "provider_message_id": "post-1", "is_public": True,
        "sender": {"external_id": "ig-77"},
        "text": "افتضاحه! سه هفته است سفارشم نرسیده و هیچکس جواب نمیده. شکایت دارم",
    })
    assert posted.status_code == 201, posted.text
    conversation_id = posted.json()["conversation_id"]
    client.app.state.jobs.wait_idle()  # routing runs after the acknowledgement
    clock = client.get(f"/api/v1/sla/conversations/{conversation_id}",
                       headers=world.auth("agent"))
    assert clock.status_code == 200, clock.text
    body = clock.json()
    assert body["first_response_due"] and body["resolution_due"]
    assert body["reasons"]
    decisions = client.get(f"/api/v1/routing/conversations/{conversation_id}/decisions",
                           headers=world.auth("agent")).json()["items"]
    assert decisions[0]["kind"] == "route" and decisions[0]["reasons"]


def test_teams_with_skills_and_members(client: TestClient, world: World) -> None:
    team = client.post("/api/v1/teams", json={"name": "پشتیبانی فنی"},
                       headers=world.auth("supervisor")).json()
    updated = client.put(f"/api/v1/teams/{team['id']}", headers=world.auth("supervisor"), json={
        "categories": ["technical"], "languages": ["fa", "en"], "channel_kinds": ["webchat"],
        "member_ids": [world.users["sara"]]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["member_ids"] == [world.users["sara"]]
    again = client.post("/api/v1/teams", json={"name": "پشتیبانی فنی"},
                        headers=world.auth("admin"))
    assert again.status_code == 409 and "already exists" in again.json()["detail"]


def test_agents_set_their_own_presence_only(client: TestClient, world: World) -> None:
    sara, reza = world.users["sara"], world.users["reza"]
    mine = client.put(f"/api/v1/routing/agents/{sara}/presence", json={"presence": "online"},
                      headers=world.auth("agent"))
    assert mine.status_code == 200 and mine.json()["presence"] == "online"
    theirs = client.put(f"/api/v1/routing/agents/{reza}/presence",
                        json={"presence": "offline"}, headers=world.auth("agent"))
    assert theirs.status_code == 403 and "own presence" in theirs.json()["detail"]
    profile = client.put(f"/api/v1/routing/agents/{sara}", headers=world.auth("supervisor"),
                         json={"skills": ["question"], "languages": ["fa"], "capacity": 8,
                               "channel_weights": {"webchat": 4},
                               "working_hours": [[5, "08:00", "17:00"]]})
    assert profile.status_code == 200, profile.text
    assert profile.json()["capacity"] == 8 and profile.json()["presence"] == "online"


def test_supervisors_and_admins_edit_holidays_and_the_week(client: TestClient, world: World
                                                          ) -> None:
    listed = client.get("/api/v1/sla/calendar/holidays", headers=world.auth("agent")).json()
    assert any(h["day"] == "2026-03-21" for h in listed["items"]), "Nowruz 1405 ships"
    added = client.post("/api/v1/sla/calendar/holidays", headers=world.auth("admin"),
                        json={"day": "2026-10-20", "name": "تعطیلی شرکت / company day"})
    assert added.status_code == 201, added.text
    twice = client.post("/api/v1/sla/calendar/holidays", headers=world.auth("admin"),
                        json={"day": "2026-10-20", "name": "again"})
    assert twice.status_code == 409
    # Issue #5: the business calendar is a supervisor page, in the API as on /admin.
    by_supervisor = client.post("/api/v1/sla/calendar/holidays",
                                headers=world.auth("supervisor"),
                                json={"day": "2026-10-22", "name": "x"})
    assert by_supervisor.status_code == 201, by_supervisor.text
    by_agent = client.post("/api/v1/sla/calendar/holidays", headers=world.auth("agent"),
                           json={"day": "2026-10-23", "name": "x"})
    assert by_agent.status_code == 403
    moved = client.put(f"/api/v1/sla/calendar/holidays/{added.json()['id']}",
                       headers=world.auth("admin"), json={"day": "2026-10-21", "name": "moved"})
    assert moved.json()["day"] == "2026-10-21"
    bad_zone = client.put("/api/v1/sla/calendar", headers=world.auth("admin"),
                          json={"timezone": "Mars/Olympus", "weekly_hours": {"0": []}})
    assert bad_zone.status_code == 422 and "time zone" in bad_zone.json()["detail"]
    week = client.put("/api/v1/sla/calendar", headers=world.auth("supervisor"), json={
        "name": "Germany", "timezone": "Europe/Berlin",
        "weekly_hours": {str(d): [["09:00", "17:00"]] for d in range(5)}})
    assert week.status_code == 200, week.text
    assert client.get("/api/v1/sla/calendar",
                      headers=world.auth("agent")).json()["timezone"] == "Europe/Berlin"


def test_sla_policies(client: TestClient, world: World) -> None:
    policies = client.get("/api/v1/sla/policies", headers=world.auth("agent")).json()["items"]
    assert [p["priority"] for p in policies] == ["urgent", "high", "normal", "low"]
    changed = client.put("/api/v1/sla/policies/urgent", headers=world.auth("supervisor"), json={
        "first_response_minutes": 10, "next_response_minutes": 20, "resolution_minutes": 120})
    assert changed.status_code == 200, changed.text
    policies = client.get("/api/v1/sla/policies", headers=world.auth("agent")).json()["items"]
    assert policies[0]["first_response_minutes"] == 10


def test_tickets_through_the_api(client: TestClient, world: World) -> None:
    opened = client.post("/api/v1/tickets", headers=world.auth("agent"),
                         json={"subject": "درگاه پرداخت خطا می‌دهد", "priority": "high"})
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    assert ticket["reference"] == "#1001"
    found = client.get("/api/v1/tickets", params={"ref": "#1001"},
                       headers=world.auth("analyst")).json()["items"]
    assert [t["id"] for t in found] == [ticket["id"]]
    solved = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"},
                          headers=world.auth("agent"))
    assert solved.json()["status"] == "solved" and solved.json()["solved_at"]
    closed = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "closed"},
                          headers=world.auth("agent"))
    reopened = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "open"},
                            headers=world.auth("agent"))
    assert closed.status_code == 200 and reopened.status_code == 422
    missing = client.get("/api/v1/tickets", params={"ref": "#9999"},
                         headers=world.auth("agent"))
    assert missing.status_code == 404 and "#9999" in missing.json()["detail"]
