"""/api/v1/metrics, its CSV export, crisis checks, surveys API and the dashboard page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from pasokh.db import Database, utcnow
from tests.analytics.builders import T0, Cast, thread
from tests.conftest import World
from tests.web.test_login import login

RANGE = {"start": "1405-01-01", "end": "1405-01-03", "period": "day", "calendar": "jalali"}


@pytest.fixture
def seeded(db: Database, world: World) -> World:
    with db.write() as session:
        cast = Cast(session, world)
        thread(cast, [(0, "c"), (10, "a"), (60, "resolve")])
        thread(cast, [(0, "c"), (1, "b"), (30, "a")], channel="webchat", priority="high",
               category="technical")
        thread(cast, [(0, "c")], start=T0 + timedelta(days=1), category="complaint")
        session.commit()
    return world


def test_metrics_over_jalali_days(client: TestClient, seeded: World) -> None:
    body = client.get("/api/v1/metrics", params=RANGE, headers=seeded.auth("analyst")).json()
    assert body["periods"] == ["1405/01/01", "1405/01/02", "1405/01/03"]
    tables = {t["name"]: t for t in body["tables"]}
    assert [(r["period"], r["count"]) for r in tables["volume"]["rows"]] == [
        ("1405/01/01", 2), ("1405/01/02", 1)]
    assert tables["first_response_human"]["rows"][0]["value"] == 1200.0
    assert tables["first_response_bot"]["rows"][0]["value"] == 60.0
    assert (tables["csat_asked"]["source"], tables["csat_inferred"]["source"]) == (
        "asked", "inferred")


def test_gregorian_months_with_a_breakdown_by_channel(client: TestClient,
                                                      seeded: World) -> None:
    body = client.get("/api/v1/metrics", headers=seeded.auth("supervisor"), params={
        "start": "2026-03-01", "end": "2026-03-31", "period": "month",
        "calendar": "gregorian", "by": "channel", "tables": "volume"}).json()
    assert [(r["period"], r["key"], r["count"]) for r in body["tables"][0]["rows"]] == [
        ("2026-03", "telegram-bot", 2), ("2026-03", "webchat", 1)]


def test_the_csv_export_has_every_table(client: TestClient, seeded: World) -> None:
    response = client.get("/api/v1/metrics/export.csv", params=RANGE,
                          headers=seeded.auth("integration"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["table"] for r in rows} >= {"volume", "backlog", "first_response_human"}
    volume = [r for r in rows if r["table"] == "volume"]
    assert (volume[0]["period"], volume[0]["count"], volume[0]["unit"]) == (
        "1405/01/01", "2", "conversations")


BAD = [
    ({"period": "year"}, "use day, week or month"),
    ({"calendar": "hijri"}, "use jalali or gregorian"),
    ({"by": "colour"}, "Unknown breakdown"),
    ({"tables": "volume,happiness"}, "Unknown metric table 'happiness'"),
    ({"start": "yesterday"}, "is not a date"),
    ({"start": "2026-03-10", "end": "2026-03-01"}, "must come after"),
    ({"start": "2020-01-01", "period": "day"}, "more than 400 days"),
    ({"channel": "fax"}, "No channel 'fax'"),
    ({"priority": "asap"}, "Unknown priority"),
]


def test_bad_parameters_get_a_sentence(client: TestClient, world: World) -> None:
    # One world for the whole table: building it (argon2 for the cast) is the slow part.
    for params, fragment in BAD:
        response = client.get("/api/v1/metrics", params=params, headers=world.auth("admin"))
        assert response.status_code == 400, params
        assert fragment in response.json()["detail"], params


def test_agents_do_not_read_the_managers_figures(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/metrics", headers=world.auth("agent"))
    assert response.status_code == 403


def test_a_crisis_check_opens_an_incident_once(client: TestClient, db: Database,
                                               world: World) -> None:
    now = utcnow()
    with db.write() as session:
        cast = Cast(session, world)
        for minute in range(6):
            thread(cast, [(0, "c", "سایت از کار افتاده!")],
                   start=now - timedelta(minutes=minute + 1), category="technical",
                   sentiment=-0.9, public=True, channel="instagram-main")
        session.commit()
    first = client.post("/api/v1/metrics/crisis/check", headers=world.auth("supervisor")).json()
    again = client.post("/api/v1/metrics/crisis/check", headers=world.auth("supervisor")).json()
    assert (len(first["opened"]), again["opened"], again["updated"]) == (1, [], first["opened"])
    incidents = client.get("/api/v1/metrics/incidents", headers=world.auth("analyst")).json()
    assert [(i["topic"], i["status"]) for i in incidents] == [("technical", "open")]


def test_the_survey_pass_and_list(client: TestClient, db: Database, world: World) -> None:
    with db.write() as session:
        thread(Cast(session, world), [(0, "c"), (5, "a"), (10, "resolve")],
               start=utcnow() - timedelta(hours=3))
        session.commit()
    run = client.post("/api/v1/surveys/run", headers=world.auth("supervisor")).json()
    assert run == {"scheduled": 1, "sent": 1, "answered": 0}
    page = client.get("/api/v1/surveys", headers=world.auth("analyst")).json()
    assert [(s["kind"], s["status"]) for s in page["items"]] == [("csat", "sent")]


@pytest.mark.parametrize(("name", "expected"), [
    ("nima", ["گزارش‌ها", "نخستین پاسخ انسانی", "<svg", "۱۴۰۵/۰۱/۰۱", "CSAT استنباطی"]),
])
def test_the_dashboard_page_in_persian(client: TestClient, seeded: World, name: str,
                                       expected: list[str]) -> None:
    assert login(client, seeded, name) == 303
    page = client.get("/analytics", params=RANGE)
    assert page.status_code == 200, page.text
    for fragment in expected:
        assert fragment in page.text
    assert 'href="/api/v1/metrics/export.csv?' in page.text


def test_the_date_fields_show_the_range_the_dashboard_reads(client: TestClient,
                                                             seeded: World) -> None:
    assert login(client, seeded, "nima") == 303
    page = client.get("/analytics", params={"period": "day", "calendar": "gregorian",
                                            "start": "1405-01-01", "end": "1405-01-03"}).text
    # typed in Jalali, read back in the calendar chosen: 1-3 Farvardin is 21-23 March
    assert 'placeholder="2026-03-21"' in page and 'placeholder="2026-03-23"' in page
    page = client.get("/analytics", params={"period": "day", "calendar": "jalali",
                                            "start": "2026-03-21", "end": "2026-03-23"}).text
    assert 'placeholder="1405-01-01"' in page and 'placeholder="1405-01-03"' in page


def test_agents_do_not_see_the_dashboard(client: TestClient, world: World) -> None:
    assert login(client, world, "sara") == 303
    assert client.get("/analytics").status_code == 403
