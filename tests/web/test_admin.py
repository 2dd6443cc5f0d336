"""Supervisor pages: who may open them, and every form round-trips (create, edit, list, errors)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pasokh.db import Database
from pasokh.routing.models import AgentProfile, RoutingRule
from pasokh.users.models import Team, User
from pasokh.workspaces.models import ApiToken, Workspace
from tests.conftest import World, build_world
from tests.web.test_desk import csrf_of, push, selects
from tests.web.test_login import login

HTML = {"accept": "text/html"}
SUPERVISOR_PAGES = ["/admin", "/admin/teams", "/admin/agents", "/admin/rules",
                    "/admin/rules/new", "/admin/sla", "/admin/calendar"]
ADMIN_PAGES = ["/admin/users", "/admin/workspace"]
# Every form the pages post, with the roles that may send it.
FORMS = [("/admin/rules", "supervisor"), ("/admin/rules/1", "supervisor"),
         ("/admin/rules/1/move", "supervisor"), ("/admin/rules/1/delete", "supervisor"),
         ("/admin/teams", "supervisor"), ("/admin/teams/1", "supervisor"),
         ("/admin/agents/1", "supervisor"), ("/admin/agents/1/presence", "supervisor"),
         ("/admin/sla", "supervisor"), ("/admin/calendar", "supervisor"),
         ("/admin/calendar/holidays", "supervisor"),
         ("/admin/calendar/holidays/1/delete", "supervisor"),
         ("/admin/users", "admin"), ("/admin/users/1/role", "admin"),
         ("/admin/users/1/deactivate", "admin"), ("/admin/users/1/reactivate", "admin"),
         ("/admin/workspace", "admin")]
MAY = {"admin": {"admin", "supervisor"}, "supervisor": {"supervisor"}, "agent": set(),
       "analyst": set()}
PERSON = {"admin": "maryam", "supervisor": "reza", "agent": "sara", "analyst": "nima"}


def alert(page: str) -> str:
    found = re.search(r'<div class="form-error" role="alert">(.*?)</div>', page, re.S)
    assert found, "no error shown on the form"
    return bare(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))))


def bare(text: str) -> str:
    """Without the invisible isolates that keep "08:00-17:00" in order inside Persian."""
    return re.sub("[\u2066-\u2069]", "", text)


def as_(client: TestClient, world: World, name: str) -> str:
    client.cookies.clear()
    assert login(client, world, name) == 303
    return csrf_of(client.get("/inbox").text)


@pytest.mark.parametrize("role", ["admin", "supervisor", "agent", "analyst"])
def test_the_role_by_page_matrix(client: TestClient, world: World, role: str) -> None:
    csrf = as_(client, world, PERSON[role])
    for path in SUPERVISOR_PAGES + ADMIN_PAGES:
        needed = "admin" if path in ADMIN_PAGES else "supervisor"
        response = client.get(path, headers=HTML)
        if needed in MAY[role]:
            assert response.status_code == 200, (role, path, response.text[:300])
            assert 'dir="rtl"' in response.text
        else:
            assert response.status_code == 403, (role, path)
            assert "این صفحه فقط برای" in response.text, (role, path)
    for path, needed in FORMS:
        response = client.post(path, data={"csrf": csrf}, headers=HTML, follow_redirects=False)
        if needed in MAY[role]:
            assert response.status_code != 403, (role, path, response.text[:300])
        else:
            assert response.status_code == 403, (role, path)


def test_a_form_without_its_token_is_refused_and_strangers_go_to_the_login(
    client: TestClient, world: World
) -> None:
    for path in ["/admin/rules", "/admin/users", "/admin/calendar"]:
        response = client.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    as_(client, world, "maryam")
    for path, _ in FORMS:
        response = client.post(path, data={"csrf": "forged", "name": "x"})
        assert response.status_code == 403, path
        assert "فرم منقضی شده" in response.json()["detail"]


def test_api_tokens_do_not_open_the_pages(client: TestClient, world: World) -> None:
    response = client.get("/admin/rules", headers=world.auth("integration"))
    assert response.status_code == 403


# --- routing rules --------------------------------------------------------------------------

RULE = {"name": "شکایت عمومی", "categories": ["complaint"], "channels": ["instagram"],
        "is_public": "yes", "is_vip": "", "keywords": "كارت\nrefund", "team_id": "",
        "priority_override": "high", "tags": "pr، vip", "handling": "invite_private",
        "is_active": "1"}


def test_a_rule_round_trips_with_its_plain_language_summary(client: TestClient, world: World,
                                                            db: Database) -> None:
    csrf = as_(client, world, "reza")
    with db.write() as session:
        session.add(Team(workspace_id=world.workspace_id, name="روابط عمومی"))
        session.commit()
        team_id = session.scalars(select(Team.id)).one()
    created = client.post("/admin/rules", data={**RULE, "team_id": str(team_id), "csrf": csrf},
                          follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/admin/rules?done=created"
    page = bare(client.get("/admin/rules?done=created").text)
    assert "ساخته شد" in page
    assert ("اگر دسته شکایت باشد، و کانال اینستاگرام باشد، و پیام عمومی باشد، و متن شامل «كارت» "
            "یا «refund» باشد ← تیم روابط عمومی؛ دعوت به گفت‌وگوی خصوصی؛ اولویت: زیاد؛ "
            "برچسب: pr، vip") in page
    rule_id = int(re.findall(r'<tr data-id="(\d+)"', page)[0])
    with db.read() as session:
        rule = session.get(RoutingRule, rule_id)
        assert rule is not None
        assert rule.conditions == {"categories": ["complaint"], "channels": ["instagram"],
                                   "is_public": True, "keywords": ["كارت", "refund"]}
        assert (rule.team_id, rule.tags, rule.priority_override) == (team_id, ["pr", "vip"],
                                                                     "high")
    form = client.get(f"/admin/rules/{rule_id}").text
    assert 'value="complaint" checked' in form and "كارت\nrefund</textarea>" in form
    edited = client.post(f"/admin/rules/{rule_id}",
                         data={**RULE, "name": "شکایت‌ها", "is_active": "", "csrf": csrf},
                         follow_redirects=False)
    assert edited.status_code == 303
    listed = client.get("/admin/rules").text
    assert "شکایت‌ها" in listed and "(خاموش)" in listed


@pytest.mark.parametrize(("change", "says"), [
    ({"name": "  "}, "نام را بنویسید."),
    ({"categories": ["praise"]}, "conditions.categories.0"),
    ({"is_vip": "maybe"}, "«maybe» برای «مشتری ویژه» معتبر نیست"),
    ({"team_id": "999"}, "تیم 999 در این فضای کاری نیست."),
    ({"handling": "shout"}, "'handling'"),
])
def test_a_bad_rule_is_a_sentence_on_the_form_with_the_input_kept(
    client: TestClient, world: World, change: dict[str, Any], says: str
) -> None:
    csrf = as_(client, world, "reza")
    response = client.post("/admin/rules", data={**RULE, **change, "csrf": csrf})
    assert response.status_code == 422
    assert says in alert(response.text)
    assert "كارت\nrefund</textarea>" in response.text  # what was typed is still there
    assert 'value="instagram" checked' in response.text


def test_rules_are_reordered_and_defaults_stay_last(client: TestClient, world: World,
                                                     db: Database) -> None:
    csrf = as_(client, world, "reza")
    for name, default in [("همه", "1"), ("الف", ""), ("ب", ""), ("پ", "")]:
        client.post("/admin/rules", data={"name": name, "is_default": default, "is_active": "1",
                                          "handling": "agent", "csrf": csrf})

    def order() -> list[str]:
        return re.findall(r'<a href="/admin/rules/\d+" dir="auto">([^<]+)</a>',
                          client.get("/admin/rules").text)

    assert order() == ["الف", "ب", "پ", "همه"]
    with db.read() as session:
        ids = {r.name: r.id for r in session.scalars(select(RoutingRule))}
    client.post(f"/admin/rules/{ids['پ']}/move", data={"direction": "up", "csrf": csrf})
    client.post(f"/admin/rules/{ids['الف']}/move", data={"direction": "down", "csrf": csrf})
    client.post(f"/admin/rules/{ids['همه']}/move", data={"direction": "up", "csrf": csrf})
    assert order() == ["پ", "الف", "ب", "همه"]
    deleted = client.post(f"/admin/rules/{ids['ب']}/delete", data={"csrf": csrf},
                          follow_redirects=False)
    assert deleted.headers["location"] == "/admin/rules?done=deleted"
    assert order() == ["پ", "الف", "همه"]
    assert "هر پیام دیگر ← تیمی که مهارتش می‌خورد؛ کارشناس پاسخ می‌دهد" in \
        bare(client.get("/admin/rules").text)


def test_the_rules_page_in_english_and_its_query_count(client: TestClient, world: World,
                                                       db: Database) -> None:
    csrf = as_(client, world, "reza")
    client.post("/preferences/locale", data={"csrf": csrf, "locale": "en", "back": "/inbox"})
    client.post("/admin/rules", data={**RULE, "csrf": csrf})
    few = selects(client, db, "/admin/rules")
    for i in range(5):
        client.post("/admin/rules", data={**RULE, "name": f"r{i}", "csrf": csrf})
    assert selects(client, db, "/admin/rules") == few <= 5
    page = bare(client.get("/admin/rules").text)
    assert 'dir="ltr"' in page
    assert ("If the category is Complaint, and the channel is Instagram, and the post is "
            "public, and the text mentions «كارت» or «refund» → the team whose skills fit; "
            "invite to a private channel; priority becomes High; tags: pr, vip") in page


def test_another_workspaces_rule_is_not_found(client: TestClient, world: World,
                                               db: Database) -> None:
    other = build_world(db, slug="other")
    with db.write() as session:
        rule = RoutingRule(workspace_id=other.workspace_id, name="theirs", conditions={},
                           tags=[])
        session.add(rule)
        session.commit()
        rule_id = rule.id
    csrf = as_(client, world, "reza")
    assert client.get(f"/admin/rules/{rule_id}").status_code == 404
    assert client.post(f"/admin/rules/{rule_id}", data={**RULE, "csrf": csrf}).status_code == 404
    assert client.post(f"/admin/rules/{rule_id}/delete", data={"csrf": csrf}).status_code == 404


def test_admin_entered_text_is_escaped(client: TestClient, world: World) -> None:
    csrf = as_(client, world, "reza")
    hostile = '<script>alert(1)</script>'
    client.post("/admin/rules", data={**RULE, "name": hostile, "keywords": hostile,
                                      "csrf": csrf})
    client.post("/admin/teams", data={"name": hostile, "csrf": csrf})
    for path in ["/admin/rules", "/admin/teams"]:
        page = client.get(path).text
        assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- teams and agents -----------------------------------------------------------------------

def test_a_team_round_trips(client: TestClient, world: World) -> None:
    csrf = as_(client, world, "reza")
    created = client.post("/admin/teams", data={"name": "فنی", "csrf": csrf},
                          follow_redirects=False)
    assert created.status_code == 303
    team_url = created.headers["location"].split("?")[0]
    saved = client.post(team_url, data={
        "name": "پشتیبانی فنی", "categories": ["technical"], "languages": ["fa", "en"],
        "channel_kinds": ["webchat", "email"], "member_ids": [str(world.users["sara"])],
        "csrf": csrf}, follow_redirects=False)
    assert saved.status_code == 303
    listed = client.get("/admin/teams").text
    assert "پشتیبانی فنی" in listed and "فارسی، انگلیسی" in listed
    assert "گفت‌وگوی وب‌سایت، ایمیل" in listed and "sara" in listed
    api = client.get("/api/v1/teams", headers=world.auth("agent")).json()["items"][0]
    assert api["categories"] == ["technical"] and api["member_ids"] == [world.users["sara"]]
    client.post("/admin/teams", data={"name": "فروش", "csrf": csrf})
    clash = client.post(team_url, data={"name": "فروش", "categories": ["question"],
                                        "csrf": csrf})
    assert clash.status_code == 422 and "تیمی با نام «فروش» هست" in alert(clash.text)
    assert 'value="فروش"' in clash.text and 'value="question" checked' in clash.text
    empty = client.post("/admin/teams", data={"name": " ", "csrf": csrf})
    assert empty.status_code == 422 and "نام را بنویسید." in alert(empty.text)


def test_an_agent_profile_round_trips(client: TestClient, world: World, db: Database) -> None:
    csrf = as_(client, world, "reza")
    sara = world.users["sara"]
    assert "sara" in client.get("/admin/agents").text
    assert "nima" not in client.get("/admin/agents").text  # analysts take no conversations
    form = {"skills": ["technical", "complaint"], "languages": ["fa"], "capacity": "۸",
            "weight_webchat": "4", "weight_email": "", "hours_5": "۰۸:۰۰-۱۲:۰۰، ۱۳:۰۰-۱۷:۰۰",
            "hours_3": "08:00 تا 13:00", "csrf": csrf}
    saved = client.post(f"/admin/agents/{sara}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    with db.read() as session:
        profile = session.get(AgentProfile, sara)
        assert profile is not None
        assert (profile.skills, profile.languages, profile.capacity) == (
            ["technical", "complaint"], ["fa"], 8)
        assert profile.channel_weights == {"webchat": 4}
        assert sorted(profile.working_hours) == [[3, "08:00", "13:00"], [5, "08:00", "12:00"],
                                                 [5, "13:00", "17:00"]]
    page = client.get(f"/admin/agents/{sara}").text
    assert 'value="08:00-12:00, 13:00-17:00"' in page
    listed = bare(client.get("/admin/agents").text)
    assert "شنبه ۰۸:۰۰-۱۲:۰۰ ۱۳:۰۰-۱۷:۰۰، پنجشنبه ۰۸:۰۰-۱۳:۰۰" in listed
    for change, says in [({"capacity": "0"}, "«ظرفیت (واحد)» باید عددی صحیح از ۱ تا ۱۰۰۰"),
                         ({"hours_5": "9-5"}, "«شنبه»: «9-5» بازهٔ زمانی درستی نیست"),
                         ({"hours_0": "17:00-08:00"}, "«دوشنبه»: «17:00-08:00»"),
                         ({"weight_sms": "x"}, "«پیامک» باید عددی صحیح"),
                         ({"skills": ["praise"]}, "'skills.0'")]:
        bad = client.post(f"/admin/agents/{sara}", data={**form, **change})
        assert bad.status_code == 422 and says in alert(bad.text), change
        assert 'name="weight_webchat" value="4"' in bad.text  # the person's input is kept
    went = client.post(f"/admin/agents/{sara}/presence", data={"presence": "online",
                                                               "csrf": csrf},
                       follow_redirects=False)
    assert went.status_code == 303
    assert "آنلاین" in client.get("/admin/agents").text
    assert client.post(f"/admin/agents/{sara}/presence",
                       data={"presence": "asleep", "csrf": csrf}).status_code == 422


# --- SLA and the calendar -------------------------------------------------------------------

def sla_form(csrf: str, **change: str) -> dict[str, str]:
    form = {"csrf": csrf}
    for p in ("urgent", "high", "normal", "low"):
        form.update({f"{p}_first": "30", f"{p}_first_unit": "m", f"{p}_next": "1",
                     f"{p}_next_unit": "h", f"{p}_resolution": "۸", f"{p}_resolution_unit": "h",
                     f"{p}_warn": "75"})
    return {**form, **change}


def test_sla_policies_round_trip(client: TestClient, world: World) -> None:
    csrf = as_(client, world, "reza")
    page = client.get("/admin/sla").text
    assert 'id="urgent_first" name="urgent_first" value="۱۵"' in page  # the default
    assert client.post("/admin/sla", data=sla_form(csrf), follow_redirects=False) \
        .status_code == 303
    policies = client.get("/api/v1/sla/policies", headers=world.auth("agent")).json()["items"]
    assert {(p["first_response_minutes"], p["next_response_minutes"], p["resolution_minutes"],
             p["warn_at_percent"]) for p in policies} == {(30, 60, 480, 75)}
    page = client.get("/admin/sla?done=saved").text
    assert "ذخیره شد." in page and 'name="low_resolution" value="۸"' in page
    bad = client.post("/admin/sla", data=sla_form(csrf, high_warn="100", low_first="abc"))
    assert bad.status_code == 422
    assert "«زیاد · هشدار در (٪)» باید عددی صحیح از ۱ تا ۹۹ باشد." in alert(bad.text)
    assert 'name="low_first" value="abc"' in bad.text


def test_the_calendar_round_trips_with_jalali_holidays(client: TestClient, world: World) -> None:
    csrf = as_(client, world, "reza")
    page = client.get("/admin/calendar").text
    assert 'id="hours_5" name="hours_5" value="08:00-17:00"' in page  # Saturday, full day
    assert 'id="hours_3" name="hours_3" value="08:00-13:00"' in page  # Thursday, half day
    assert 'id="hours_4" name="hours_4" value=""' in page  # Friday off
    assert page.index('for="hours_5"') < page.index('for="hours_0"')  # the week starts Saturday
    assert "شنبه ۱ فروردین ۱۴۰۵" in page and "پیش‌فرض" in page
    assert "تاریخ محاسبه‌شده" in page  # unverified lunar dates are marked
    added = client.post("/admin/calendar/holidays",
                        data={"day": "۱۴۰۵/۰۲/۱۰", "name": "سالگرد شرکت", "csrf": csrf},
                        follow_redirects=False)
    assert added.status_code == 303
    page = client.get("/admin/calendar").text
    row = re.search(r'<tr data-id="(\d+)" data-day="2026-04-30">(.*?)</tr>', page, re.S)
    assert row and "پنجشنبه ۱۰ اردیبهشت ۱۴۰۵" in row.group(2) and "افزوده‌شده" in row.group(2)
    again = client.post("/admin/calendar/holidays",
                        data={"day": "2026-04-30", "name": "دوباره", "csrf": csrf})
    assert again.status_code == 422
    assert "2026-04-30 از پیش تعطیل است (سالگرد شرکت)" in alert(again.text)
    assert 'value="دوباره"' in again.text
    bad = client.post("/admin/calendar/holidays", data={"day": "1405/13/01", "name": "x",
                                                        "csrf": csrf})
    assert bad.status_code == 422 and "«1405/13/01» تاریخ درستی نیست" in alert(bad.text)
    client.post(f"/admin/calendar/holidays/{row.group(1)}/delete", data={"csrf": csrf})
    assert 'data-day="2026-04-30"' not in client.get("/admin/calendar").text
    week = {"name": "Berlin", "timezone": "Europe/Berlin", "csrf": csrf,
            **{f"hours_{d}": "09:00-17:00" for d in "01234"}}
    assert client.post("/admin/calendar", data=week, follow_redirects=False).status_code == 303
    cal = client.get("/api/v1/sla/calendar", headers=world.auth("agent")).json()
    assert cal["timezone"] == "Europe/Berlin" and sorted(cal["weekly_hours"]) == list("01234")
    for change, says in [({"timezone": "Mars/Base"}, "منطقهٔ زمانی «Mars/Base» شناخته نیست"),
                         ({"hours_2": "25:00-26:00"}, "«چهارشنبه»: «25:00-26:00»"),
                         ({f"hours_{d}": "" for d in "01234"},
                          "تقویم کاری دست‌کم یک ساعت کاری در هفته لازم دارد")]:
        bad = client.post("/admin/calendar", data={**week, **change})
        assert bad.status_code == 422 and says in alert(bad.text), change
        assert 'value="Berlin"' in bad.text


def test_the_calendar_in_english_is_gregorian_with_the_jalali_beside(
    client: TestClient, world: World
) -> None:
    csrf = as_(client, world, "maryam")
    client.post("/preferences/locale", data={"csrf": csrf, "locale": "en", "back": "/inbox"})
    page = client.get("/admin/calendar").text
    assert 'dir="ltr"' in page and "Sat 2026-03-21" in page and "1 Farvardin 1405" in page
    assert page.index('for="hours_0"') < page.index('for="hours_5"')  # Monday first


# --- users and the workspace ----------------------------------------------------------------

def test_users_are_created_change_role_and_are_deactivated(client: TestClient, world: World,
                                                           db: Database) -> None:
    csrf = as_(client, world, "maryam")
    created = client.post("/admin/users", data={
        "name": "علی", "email": "Ali@Narenj.example", "password": "long-enough-1",
        "role": "agent", "locale": "en", "csrf": csrf}, follow_redirects=False)
    assert created.status_code == 303
    assert "ali@narenj.example" in client.get("/admin/users").text
    with db.read() as session:
        ali = session.scalars(select(User).where(User.name == "علی")).one()
        assert (ali.role, ali.locale) == ("agent", "en")
    client.post(f"/admin/users/{ali.id}/role", data={"role": "supervisor", "csrf": csrf})
    client.post(f"/admin/users/{world.users['reza']}/deactivate", data={"csrf": csrf})
    with db.read() as session:
        assert session.get(User, ali.id).role == "supervisor"  # type: ignore[union-attr]
        reza = session.get(User, world.users["reza"])
        assert reza is not None and not reza.is_active
        assert session.scalars(select(ApiToken.revoked_at)
                               .where(ApiToken.user_id == reza.id)).one() is not None
    assert client.get("/api/v1/teams", headers=world.auth("supervisor")).status_code == 401
    client.post(f"/admin/users/{world.users['reza']}/reactivate", data={"csrf": csrf})
    with db.read() as session:
        assert session.get(User, world.users["reza"]).is_active  # type: ignore[union-attr]
    for data, says in [({"email": "ali@narenj.example"}, "کاربری با ایمیل ali@narenj.example"),
                       ({"email": "not-an-email"}, "نشانی ایمیل درست نیست."),
                       ({"password": "short"}, "گذرواژه کوتاه است"),
                       ({"role": "owner"}, "نقش «owner» شناخته نیست")]:
        bad = client.post("/admin/users", data={"name": "دوم", "email": "b@narenj.example",
                                                "password": "long-enough-1", "role": "agent",
                                                "csrf": csrf, **data})
        assert bad.status_code == 422 and says in alert(bad.text), data
        assert 'value="دوم"' in bad.text and "long-enough-1" not in bad.text


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(client: TestClient,
                                                               world: World) -> None:
    csrf = as_(client, world, "maryam")
    maryam = world.users["maryam"]
    demoted = client.post(f"/admin/users/{maryam}/role", data={"role": "agent", "csrf": csrf})
    assert demoted.status_code == 409 and "آخرین مدیر فعال است" in alert(demoted.text)
    client.post(f"/admin/users/{world.users['reza']}/role", data={"role": "admin",
                                                                  "csrf": csrf})
    self_off = client.post(f"/admin/users/{maryam}/deactivate", data={"csrf": csrf})
    assert self_off.status_code == 409
    assert "نمی‌توانید خودتان را غیرفعال کنید" in alert(self_off.text)
    csrf = as_(client, world, "reza")
    client.post(f"/admin/users/{maryam}/deactivate", data={"csrf": csrf})
    last = client.post(f"/admin/users/{world.users['reza']}/role",
                       data={"role": "supervisor", "csrf": csrf})
    assert last.status_code == 409 and "آخرین مدیر فعال است" in alert(last.text)


def test_workspace_settings_round_trip(client: TestClient, world: World, db: Database) -> None:
    csrf = as_(client, world, "maryam")
    with db.write() as session:
        ws = session.get(Workspace, world.workspace_id)
        assert ws is not None
        ws.settings = {"triage_rules": {"vip": ["x"]}, "surveys": {"kind": "ces"}}
        session.commit()
    page = client.get("/admin/workspace").text
    assert '<option value="ces" selected>' in page
    form = {"name": "نارنج تازه", "default_locale": "en", "technical_handling": "invite_private",
            "survey_enabled": "1", "survey_kind": "nps", "survey_delay": "۳۰",
            "survey_window": "48", "survey_channels": ["telegram", "email"], "csrf": csrf}
    assert client.post("/admin/workspace", data=form, follow_redirects=False).status_code == 303
    with db.read() as session:
        ws = session.get(Workspace, world.workspace_id)
        assert ws is not None and (ws.name, ws.default_locale) == ("نارنج تازه", "en")
        assert ws.settings["triage_rules"] == {"vip": ["x"]}  # other sections kept
        assert ws.settings["routing"] == {"technical_handling": "invite_private"}
        assert ws.settings["surveys"] == {"enabled": True, "kind": "nps", "delay_minutes": 30,
                                          "channels": ["telegram", "email"],
                                          "answer_window_hours": 48}
    for change, says in [({"technical_handling": "ignore"}, "«ignore» برای"),
                         ({"survey_window": "0"}, "«مهلت پاسخ (ساعت)»"),
                         ({"default_locale": "de"}, "زبان پیش‌فرض باید 'fa' یا 'en' باشد."),
                         ({"name": ""}, "نام را بنویسید.")]:
        bad = client.post("/admin/workspace", data={**form, **change})
        assert bad.status_code == 422 and says in alert(bad.text), change


def test_a_rule_made_on_the_page_routes_the_next_message(client: TestClient,
                                                         world: World) -> None:
    csrf = as_(client, world, "reza")
    client.post("/admin/rules", data={"name": "بازپرداخت", "keywords": "بازپرداخت",
                                      "tags": "refund", "priority_override": "urgent",
                                      "handling": "ticket", "is_active": "1", "csrf": csrf})
    pushed = push(client, world, "سلام، بازپرداخت سفارشم کی انجام میشه؟", "v-refund")
    client.app.state.jobs.wait_idle()  # routing runs after the acknowledgement
    clock = client.get(f"/api/v1/sla/conversations/{pushed['conversation_id']}",
                       headers=world.auth("agent")).json()
    assert clock["tags"] == ["refund"] and clock["priority"] == "urgent"


def test_a_deactivated_persons_cached_token_stops_pushing_at_once(client: TestClient,
                                                                   world: World) -> None:
    body = {"channel": "webchat", "sender": {"external_id": "v-1"}, "text": "سلام"}
    pushed = client.post("/api/v1/messages", json={**body, "provider_message_id": "a"},
                         headers=world.auth("supervisor"))
    assert pushed.status_code == 201  # reza's token is now in the process's cache
    csrf = as_(client, world, "maryam")
    client.post(f"/admin/users/{world.users['reza']}/deactivate", data={"csrf": csrf})
    client.cookies.clear()
    again = client.post("/api/v1/messages", json={**body, "provider_message_id": "b"},
                        headers=world.auth("supervisor"))
    assert again.status_code == 401
