"""The agent desk in a real browser: Debian's chromium driven by Playwright, real uvicorn.

SQLite only (the pages' queries are tested on both backends in test_desk.py). Screenshots
land in build/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pasokh.db import Database, utcnow
from pasokh.inbox.models import Conversation, Message
from pasokh.jobs.models import OutboxJob
from pasokh.replies.models import ReplyTemplate
from pasokh.settings import Settings
from tests.conftest import World, build_world

pytestmark = pytest.mark.slow
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
FONT = Path(__file__).resolve().parents[2] / "src/pasokh/web/static/fonts/Vazirmatn-wght.woff2"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]
URGENT = "پول از حسابم کم شد ولی سفارش ثبت نشد!"
NORMAL = "سلام، ساعت کاری پشتیبانی تا کیه؟"
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> سفارشم کو؟'
TEMPLATE = "سلام {{customer.first_name}} عزیز، {{ticket.number}} ثبت شد. {{agent.name}} از نارنج"


@dataclass
class Live:
    base: str
    app: Any
    db: Database
    world: World

    def push(self, text: str, who: str, name: str = "") -> dict[str, Any]:
        body = {"channel": "webchat", "provider_message_id": f"{who}-{time.monotonic_ns()}",
                "sender": {"external_id": who, "name": name or who}, "text": text}
        response = httpx.post(self.base + "/api/v1/messages", json=body,
                              headers=self.world.auth("integration"), timeout=30)
        assert response.status_code == 201, response.text
        self.app.state.jobs.run_until_idle()  # routing runs after the acknowledgement
        return dict(response.json())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path, triager_engine: Any) -> Iterator[Live]:
    """A real uvicorn serving Pasokh on loopback, in a thread of this process."""
    import uvicorn

    from pasokh.app import create_app, rules_source
    from pasokh.ingest.triager import WorkspaceTriager

    path = tmp_path / "pasokh.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    db = Database(url)
    world = build_world(db)
    with db.write() as session:
        session.add(ReplyTemplate(workspace_id=world.workspace_id, name="پیگیری سفارش",
                                  locale="fa", category=None, body=TEMPLATE))
        session.commit()
    settings = Settings(environment="test", database_url=url, secret_key="t" * 40,
                        run_jobs=False)  # the test looks at queued jobs itself
    app = create_app(settings, db=db, triager=WorkspaceTriager(triager_engine, rules_source(db)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield Live(base=f"http://127.0.0.1:{port}", app=app, db=db, world=world)
    server.should_exit = True
    thread.join(10)
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the module; each test gets its own context (cookies, storage)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/test installs it)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(live: Live, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    yield tab
    context.close()


def log_in(page: Any, live: Live, name: str = "sara") -> None:
    page.goto(live.base + "/login")
    page.fill("#workspace", live.world.slug)
    page.fill("#email", live.world.emails[name])
    page.fill("#password", live.world.passwords[name])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox"))


def age(live: Live, conversation_id: int, minutes: int) -> None:
    with live.db.write() as session:
        c = session.get(Conversation, conversation_id)
        assert c is not None
        c.waiting_since = utcnow() - timedelta(minutes=minutes)
        session.commit()


def test_an_urgent_message_is_on_top_and_the_persian_page_is_rtl_with_jalali_dates(
    live: Live, page: Any
) -> None:
    old = live.push(NORMAL, "visitor-old", "مهسا کریمی")
    age(live, old["conversation_id"], 200)
    urgent = live.push(URGENT, "visitor-new", "رضا سلطانی")
    log_in(page, live)
    ids = page.eval_on_selector_all("#inbox tbody tr", "rows => rows.map(r => +r.dataset.id)")
    assert ids.index(urgent["conversation_id"]) < ids.index(old["conversation_id"])
    assert page.get_attribute("html", "dir") == "rtl"
    badge = page.locator(f'tr[data-id="{urgent["conversation_id"]}"] .badge.prio')
    assert "پول کسر شده" in (badge.get_attribute("title") or "")
    badge.hover()
    # Jalali (1400s) with Persian digits in the waiting time's tooltip.
    title = page.get_attribute(f'tr[data-id="{old["conversation_id"]}"] time', "title") or ""
    assert re.fullmatch(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", title), title
    if FONT.exists():  # installed by scripts/setup from npm; the page must actually use it
        loaded = page.evaluate("document.fonts.load('16px Vazirmatn', 'پاسخ')"
                               ".then(faces => faces.map(f => f.status))")
        assert loaded == ["loaded"]
    page.screenshot(path=str(SHOTS / "inbox-fa.png"), full_page=True)


def test_open_reply_with_a_template_and_the_reply_is_queued(live: Live, page: Any) -> None:
    pushed = live.push(URGENT, "visitor-1", "سارا احمدی")
    cid = pushed["conversation_id"]
    log_in(page, live)
    page.click(f'tr[data-id="{cid}"] td.customer a')
    page.wait_for_url(re.compile(rf".*/conversations/{cid}$"))
    assert page.get_attribute("html", "dir") == "rtl"
    date = page.inner_text("#thread time")
    assert re.fullmatch(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", date), date
    page.fill("#template-search", "پیگیری")
    value = page.get_attribute('#template option[data-name="پیگیری سفارش"]', "value")
    page.select_option("#template", value=value)
    expected = f"سلام سارا عزیز، #C{cid} ثبت شد. sara از نارنج"
    assert page.input_value("#reply-text") == expected
    page.click("#send-reply")
    page.wait_for_selector("#thread li.msg.outbound")
    assert expected in page.inner_text("#thread li.msg.outbound .text")
    assert page.input_value("#reply-text") == ""
    page.screenshot(path=str(SHOTS / "conversation-fa.png"), full_page=True)
    with live.db.read() as session:
        reply = session.scalars(select(Message).where(Message.conversation_id == cid,
                                                      Message.direction == "outbound")).one()
        assert reply.text == expected
        job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "send_reply")).one()
        assert job.payload == {"message_id": reply.id} and job.status == "queued"


def test_hostile_customer_text_renders_as_inert_text(live: Live, page: Any) -> None:
    pushed = live.push(HOSTILE, "visitor-x", '<img src=x onerror="alert(3)">')
    log_in(page, live)
    row = page.locator(f'tr[data-id="{pushed["conversation_id"]}"]')
    assert "<script>alert(1)</script>" in row.inner_text()
    page.goto(f"{live.base}/conversations/{pushed['conversation_id']}")
    assert "<script>alert(1)</script>" in page.inner_text("#thread .text")
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('#thread script').length") == 0
    page.screenshot(path=str(SHOTS / "conversation-hostile.png"), full_page=True)
    assert page.dialogs == []


def test_a_new_message_appears_in_the_open_inbox_without_reload(live: Live, page: Any) -> None:
    live.push(NORMAL, "visitor-1")
    log_in(page, live)
    page.evaluate("window.__same_page = true")
    deadline = time.monotonic() + 10
    while live.app.state.events.subscriber_count(live.world.workspace_id) < 1:
        assert time.monotonic() < deadline, "the page never subscribed to live events"
        time.sleep(0.05)
    fresh = live.push(URGENT, "visitor-2", "کاوه نوری")
    page.wait_for_selector(f'#inbox tr[data-id="{fresh["conversation_id"]}"]')
    assert page.evaluate("window.__same_page") is True  # updated in place, not reloaded
    first = page.eval_on_selector("#inbox tbody tr", "r => +r.dataset.id")
    assert first == fresh["conversation_id"]
    page.screenshot(path=str(SHOTS / "inbox-live.png"), full_page=True)


def test_english_is_left_to_right_with_gregorian_dates(live: Live, page: Any) -> None:
    pushed = live.push("Hi, where is my parcel? It's been a week.", "visitor-en", "Emma Smith")
    log_in(page, live)
    page.click("header form[action='/preferences/locale'] button")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert page.inner_text("h1").startswith("Inbox")
    page.screenshot(path=str(SHOTS / "inbox-en.png"), full_page=True)
    page.goto(f"{live.base}/conversations/{pushed['conversation_id']}")
    date = page.inner_text("#thread time")
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d", date), date
    page.screenshot(path=str(SHOTS / "conversation-en.png"), full_page=True)


def test_two_agents_on_one_conversation_see_each_other_and_mentions_arrive(
    live: Live, page: Any
) -> None:
    cid = live.push(URGENT, "visitor-1")["conversation_id"]
    log_in(page, live, "sara")
    page.goto(f"{live.base}/conversations/{cid}")
    assert page.is_hidden("#collision")
    other = page.context.browser.new_context()
    colleague = other.new_page()
    try:
        log_in(colleague, live, "reza")
        colleague.goto(f"{live.base}/conversations/{cid}")
        page.wait_for_selector("#collision:not([hidden])")
        assert "reza" in page.inner_text("#collision .names")
        colleague.wait_for_selector("#collision:not([hidden])")
        assert "sara" in colleague.inner_text("#collision .names")
        page.fill("#reply-text", "@reza این مشتری دوباره پیام داده، لطفا پیگیری کن")
        page.click("#add-note")
        colleague.wait_for_selector("#mentions:not([hidden]) a")
        assert f"#{cid}" in colleague.inner_text("#mentions")
        colleague.wait_for_selector("#thread li.kind-note")  # the note arrived live too
        page.screenshot(path=str(SHOTS / "conversation-collision.png"))
        colleague.screenshot(path=str(SHOTS / "conversation-mention.png"))
    finally:
        other.close()
    page.wait_for_selector("#collision", state="hidden")  # the colleague left


def test_a_supervisor_adds_a_template_on_the_settings_page(live: Live, page: Any) -> None:
    log_in(page, live, "reza")
    page.click("header nav a[href='/admin']")
    page.wait_for_url(re.compile(r".*/admin$"))
    page.fill("#new-name", "خوش‌آمد")
    page.select_option("#new-category", value="question")
    page.fill("#new-body", "سلام {{customer.first_name}}، خوش آمدید!")
    page.click("#new-template button[type=submit]")
    page.wait_for_selector("input[value='خوش‌آمد']")
    page.screenshot(path=str(SHOTS / "admin-fa.png"), full_page=True)
    with live.db.read() as session:
        names = set(session.scalars(select(ReplyTemplate.name)).all())
    assert "خوش‌آمد" in names


def test_snooze_until_the_next_working_morning_from_the_offered_choices(
    live: Live, page: Any
) -> None:
    cid = live.push(NORMAL, "visitor-snooze", "نسرین رضایی")["conversation_id"]
    log_in(page, live)
    page.goto(f"{live.base}/conversations/{cid}")
    labels = page.eval_on_selector_all("#snooze-choice option", "os => os.map(o => o.text)")
    assert [label.split(" (")[0] for label in labels] == \
        ["یک ساعت دیگر", "سه ساعت دیگر", "روز کاری بعد", "هفتهٔ بعد"]
    assert re.search(r"[۰-۹]{2}:[۰-۹]{2}\)$", labels[2]), labels[2]  # Persian digits
    page.locator("#snooze-form").screenshot(path=str(SHOTS / "snooze-fa.png"))
    chosen = page.eval_on_selector_all("#snooze-choice option", "os => os[2].value")
    page.select_option("#snooze-choice", value=chosen)
    page.click("#snooze-form button[type=submit]")
    page.wait_for_selector("#conv-status[data-status=snoozed]")
    with live.db.read() as session:
        c = session.get(Conversation, cid)
        assert c is not None and c.status == "snoozed" and c.snoozed_until is not None
        assert c.snoozed_until.replace(tzinfo=None) == \
            datetime.fromisoformat(chosen).astimezone(UTC).replace(tzinfo=None)
