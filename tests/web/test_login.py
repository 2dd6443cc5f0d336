"""People log in with a password; sessions are cookies guarded against CSRF."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.ingest.test_messages_api import message


def login(client: TestClient, world: World, name: str, password: str | None = None) -> int:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    response = client.post("/login", data={
        "workspace": world.slug, "email": world.emails[name],
        "password": password or world.passwords[name], "csrf": csrf.group(1)},
        follow_redirects=False)
    return response.status_code


def test_an_agent_logs_in_and_sees_the_inbox_in_persian(client: TestClient,
                                                         world: World) -> None:
    client.post("/api/v1/messages", json=message(), headers=world.auth("integration"))
    assert login(client, world, "sara") == 303
    cookie = client.cookies.get("pasokh_session")
    assert cookie
    page = client.get("/inbox")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text and "صندوق پیام‌ها" in page.text
    assert "ساعت کاری پشتیبانی" in page.text


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient, world: World
) -> None:
    assert login(client, world, "sara", password="wrong-password") == 401
    assert "pasokh_session" not in client.cookies


def test_login_without_the_form_token_is_refused(client: TestClient, world: World) -> None:
    response = client.post("/login", data={"workspace": world.slug, "email": world.emails["sara"],
                                           "password": world.passwords["sara"], "csrf": "forged"})
    assert response.status_code == 403


def test_a_cookie_session_needs_the_csrf_header_to_change_anything(
    client: TestClient, world: World
) -> None:
    login(client, world, "reza")  # a supervisor may push messages
    refused = client.post("/api/v1/messages", json=message())
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    page = client.get("/inbox").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    accepted = client.post("/api/v1/messages", json=message(),
                           headers={"X-CSRF-Token": csrf.group(1)})
    assert accepted.status_code == 201


def test_hostile_text_renders_inert_in_the_inbox(client: TestClient, world: World) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    client.post("/api/v1/messages", json=message(text=hostile), headers=world.auth("integration"))
    login(client, world, "sara")
    page = client.get("/inbox").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    login(client, world, "sara")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/inbox").text)
    assert csrf
    client.post("/logout", data={"csrf": csrf.group(1)}, follow_redirects=False)
    client.cookies.clear()
    assert client.get("/inbox", headers={"accept": "text/html"},
                      follow_redirects=False).status_code == 303


def test_every_page_names_its_icon_and_the_browsers_guess_finds_it(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    guessed = client.get("/favicon.ico", follow_redirects=True)
    assert guessed.status_code == 200 and guessed.text.startswith("<svg")
