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
