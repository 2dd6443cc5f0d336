import re, sys
from tests.web.test_login import login
from tests.web.test_desk import csrf_of
def test_smoke(client, world):
    login(client, world, "reza")
    r = client.get("/admin/rules"); assert r.status_code == 200, r.text
    r = client.get("/admin/rules/new"); assert r.status_code == 200, r.text
    csrf = csrf_of(r.text)
    r = client.post("/admin/rules", data={"csrf": csrf, "name": "شکایت عمومی", "categories": ["complaint"], "is_public": "yes", "handling": "invite_private", "priority_override": "high", "tags": "pr, vip", "keywords": "کارت\nrefund", "is_active": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = client.get("/admin/rules"); print(r.text[-3000:])
    r = client.post("/admin/rules", data={"csrf": csrf, "name": "", "categories": ["complaint"]})
    assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post("/admin/rules", data={"csrf": csrf, "name": "x", "categories": ["bogus"]})
    assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))

def test_smoke_cal(client, world):
    login(client, world, "reza")
    r = client.get("/admin/sla"); assert r.status_code == 200, r.text
    csrf = csrf_of(r.text)
    data = {"csrf": csrf}
    for p in ("urgent","high","normal","low"):
        data.update({f"{p}_first": "۱۵", f"{p}_first_unit": "m", f"{p}_next": "1", f"{p}_next_unit": "h", f"{p}_resolution": "4", f"{p}_resolution_unit": "h", f"{p}_warn": "75"})
    r = client.post("/admin/sla", data=data, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.post("/admin/sla", data={**data, "low_warn": "150"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.get("/admin/calendar"); assert r.status_code == 200, r.text
    r = client.post("/admin/calendar/holidays", data={"csrf": csrf, "day": "۱۴۰۵/۰۲/۱۰", "name": "<b>x</b>"}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.post("/admin/calendar/holidays", data={"csrf": csrf, "day": "1405/02/10", "name": "y"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post("/admin/calendar", data={"csrf": csrf, "timezone": "Mars/Base", "hours_5": "08:00-17:00"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post("/admin/calendar", data={"csrf": csrf, "timezone": "Asia/Tehran", "hours_5": "08:00-17:00", "hours_3":"9-5"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post("/admin/calendar", data={"csrf": csrf, "timezone": "Asia/Tehran", "hours_5": "۰۸:۰۰-۱۲:۰۰، ۱۳:۰۰-۱۷:۰۰"}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.get("/admin/calendar"); print(r.text[r.text.index('<table'):][:2500])

def test_smoke_teams(client, world):
    login(client, world, "reza")
    r = client.get("/admin/teams"); assert r.status_code == 200, r.text
    csrf = csrf_of(r.text)
    r = client.post("/admin/teams", data={"csrf": csrf, "name": "مالی"}, follow_redirects=False); assert r.status_code == 303, r.text
    loc = r.headers["location"]; print(loc)
    r = client.get(loc); assert r.status_code == 200
    tid = loc.split("/")[-1].split("?")[0]
    r = client.post(f"/admin/teams/{tid}", data={"csrf": csrf, "name": "مالی ۲", "categories": ["technical"], "languages": ["fa"], "channel_kinds": ["webchat"], "member_ids": [str(world.users["sara"])]}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.post("/admin/teams", data={"csrf": csrf, "name": "مالی ۲"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.get("/admin/teams"); print(r.text[r.text.index('<table'):][:1500])
    r = client.get("/admin/agents"); assert r.status_code == 200
    sid = world.users["sara"]
    r = client.get(f"/admin/agents/{sid}"); assert r.status_code == 200
    r = client.post(f"/admin/agents/{sid}", data={"csrf": csrf, "skills": ["technical"], "languages": ["fa","en"], "capacity": "۸", "weight_webchat": "4", "hours_5": "08:00-17:00", "hours_3": "08:00-13:00"}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.post(f"/admin/agents/{sid}", data={"csrf": csrf, "capacity": "0"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post(f"/admin/agents/{sid}/presence", data={"csrf": csrf, "presence": "online"}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.get("/admin/agents"); print(r.text[r.text.index('<table'):][:2500])

def test_smoke_users(client, world):
    login(client, world, "maryam")
    r = client.get("/admin/users"); assert r.status_code == 200, r.text
    csrf = csrf_of(r.text)
    r = client.post("/admin/users", data={"csrf": csrf, "name": "Ali", "email": "ali@x.example", "password": "long-password", "role": "agent", "locale": "en"}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.post("/admin/users", data={"csrf": csrf, "name": "Ali", "email": "ali@x.example", "password": "long-password", "role": "agent", "locale": "en"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post(f"/admin/users/{world.users['maryam']}/role", data={"csrf": csrf, "role": "agent"}); assert r.status_code == 409; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.post(f"/admin/users/{world.users['sara']}/deactivate", data={"csrf": csrf}, follow_redirects=False); assert r.status_code == 303
    r = client.get("/admin/workspace"); assert r.status_code == 200, r.text
    r = client.post("/admin/workspace", data={"csrf": csrf, "name": "نارنج", "default_locale": "en", "technical_handling": "invite_private", "survey_enabled": "1", "survey_kind": "nps", "survey_delay": "30", "survey_window": "48", "survey_channels": ["telegram"]}, follow_redirects=False); assert r.status_code == 303, r.text
    r = client.post("/admin/workspace", data={"csrf": csrf, "name": "نارنج", "default_locale": "en", "technical_handling": "invite_private", "survey_kind": "xyz", "survey_delay": "30", "survey_window": "48"}); assert r.status_code == 422; print(re.findall(r'role="alert">.*?</div>', r.text, re.S))
    r = client.get("/admin/workspace"); print(r.text[r.text.index('<form method="post" action="/admin/workspace"'):][:3000])
