"""Supervisor pages in a real browser (Debian's chromium, real uvicorn); screenshots of each.

Screenshots land in build/screenshots/admin-<page>-<lang>.png.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pasokh.routing.models import RoutingRule
from pasokh.users.models import Team
from tests.web.test_browser import (  # noqa: F401  # fixtures shared with the desk's tests
    SHOTS,
    Live,
    browser,
    live,
    log_in,
    page,
)

pytestmark = pytest.mark.slow
JALALI = re.compile(r"^(شنبه|یکشنبه|دوشنبه|سه‌شنبه|چهارشنبه|پنجشنبه|جمعه) [۰-۹]{1,2} "
                    r"[\u0600-\u06FF]+ ۱۴[۰-۹]{2}$")


def shot(tab: Any, name: str, lang: str) -> None:
    tab.screenshot(path=str(SHOTS / f"admin-{name}-{lang}.png"), full_page=True)


def test_a_supervisor_makes_a_rule_and_the_next_message_follows_it(
    live: Live, page: Any  # noqa: F811
) -> None:
    with live.db.write() as session:
        session.add(Team(workspace_id=live.world.workspace_id, name="مالی"))
        session.commit()
    log_in(page, live, "reza")
    page.click("header nav a[href='/admin']")
    page.click(".admin-nav a[href='/admin/rules']")
    page.click("#new-rule")
    page.wait_for_url(re.compile(r".*/admin/rules/new$"))
    page.click("#save-rule")  # no name: the form says so and keeps what was chosen
    page.wait_for_selector(".form-error")
    assert "نام را بنویسید" in page.inner_text(".form-error")
    page.fill("#name", "بازپرداخت به مالی")
    page.check("input[name=categories][value=question]")
    page.check("input[name=categories][value=complaint]")
    page.fill("#keywords", "بازپرداخت\nrefund")
    page.select_option("#team_id", label="مالی")
    page.select_option("#handling", value="ticket")
    page.select_option("#priority_override", value="high")
    page.fill("#tags", "مالی، refund")
    page.click("#save-rule")
    page.wait_for_url(re.compile(r".*/admin/rules\?done=created$"))
    summary = re.sub("[\u2066-\u2069]", "", page.inner_text("#rules tbody tr .rule-summary"))
    assert "«بازپرداخت» یا «refund»" in summary and "تیم مالی" in summary
    shot(page, "rules", "fa")
    pushed = live.push("سلام، بازپرداخت پولم کی انجام میشه؟ هفته پیش مرجوع کردم", "visitor-r")
    clock = httpx.get(f"{live.base}/api/v1/sla/conversations/{pushed['conversation_id']}",
                      headers=live.world.auth("agent"), timeout=30).json()
    with live.db.read() as session:
        rule_id = session.scalars(select(RoutingRule.id)).one()
    assert clock["rule_id"] == rule_id, clock
    assert sorted(clock["tags"]) == ["refund", "مالی"] and clock["priority"] == "high"
    page.goto(f"{live.base}/inbox?tag=refund")
    page.wait_for_selector(f'#inbox tr[data-id="{pushed["conversation_id"]}"]')


def test_the_calendar_in_persian_is_rtl_with_jalali_dates(
    live: Live, page: Any  # noqa: F811
) -> None:
    log_in(page, live, "reza")
    page.goto(f"{live.base}/admin/calendar")
    assert page.get_attribute("html", "dir") == "rtl"
    days = page.eval_on_selector_all("#holidays time", "ts => ts.map(t => t.textContent)")
    assert len(days) > 40 and all(JALALI.match(d) for d in days), days[:3]
    assert days[0] == "شنبه ۱ فروردین ۱۴۰۵"
    labels = page.eval_on_selector_all(".week label", "ls => ls.map(l => l.textContent)")
    assert labels[0] == "شنبه" and labels[-1] == "جمعه"
    # The week's first label sits at the right edge in a right-to-left page.
    box, main = page.locator(".week label").first.bounding_box(), \
        page.locator("main").bounding_box()
    assert box["x"] + box["width"] > main["x"] + main["width"] / 2
    page.fill("#hol-day", "۱۴۰۵/۰۲/۱۰")
    page.fill("#hol-name", "سالگرد شرکت")
    page.click("#add-holiday")
    page.wait_for_selector('tr[data-day="2026-04-30"]')
    assert page.inner_text('tr[data-day="2026-04-30"] time') == "پنجشنبه ۱۰ اردیبهشت ۱۴۰۵"
    page.fill("#hours_3", "۰۸:۰۰-۱۴:۰۰")
    page.click("#save-calendar")
    page.wait_for_selector(".notice")
    assert page.input_value("#hours_3") == "08:00-14:00"
    shot(page, "calendar", "fa")


PAGES = [("overview", "/admin"), ("users", "/admin/users"), ("teams", "/admin/teams"),
         ("team", "/admin/teams/{team}"), ("agents", "/admin/agents"),
         ("agent", "/admin/agents/{sara}"), ("rule", "/admin/rules/new"),
         ("sla", "/admin/sla"), ("calendar", "/admin/calendar"),
         ("workspace", "/admin/workspace")]


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_every_supervisor_page_renders_in_both_languages(live: Live, page: Any,  # noqa: F811
                                                         lang: str) -> None:
    with live.db.write() as session:
        team = Team(workspace_id=live.world.workspace_id, name="پشتیبانی فنی")
        session.add(team)
        session.add(RoutingRule(workspace_id=live.world.workspace_id, name="عمومی به روابط",
                                conditions={"categories": ["complaint"], "is_public": True},
                                tags=["pr"], handling="invite_private", position=10))
        session.add(RoutingRule(workspace_id=live.world.workspace_id, name="پیش‌فرض",
                                conditions={}, tags=[], is_default=True, position=10))
        session.commit()
        ids = {"team": team.id, "sara": live.world.users["sara"]}
    log_in(page, live, "maryam")
    if lang == "en":
        page.click("header form[action='/preferences/locale'] button")
        page.wait_for_function("document.documentElement.dir === 'ltr'")
    for name, path in PAGES:
        page.goto(live.base + path.format(**ids))
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "fa" else "ltr")
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'main input:not([type=hidden]), main select, main textarea')].filter(el =>
            !el.labels || el.labels.length === 0).map(el => el.name)""")
        assert unlabelled == [], (name, unlabelled)
        shot(page, name, lang)
    if lang == "en":
        page.goto(f"{live.base}/admin/rules")
        shot(page, "rules", "en")
    page.goto(f"{live.base}/admin/sla")
    page.fill("#high_warn", "120")
    page.click("#save-sla")
    page.wait_for_selector(".form-error")
    assert page.input_value("#high_warn") in ("120", "۱۲۰")  # kept (in the reader's digits)
    shot(page, "sla-error", lang)
    assert page.dialogs == []


def test_an_agent_gets_a_sentence_not_the_page(live: Live, page: Any) -> None:  # noqa: F811
    log_in(page, live, "sara")
    response = page.goto(f"{live.base}/admin/rules")
    assert response is not None and response.status == 403
    assert "فقط برای سرپرستان و مدیران" in page.inner_text("main")
    assert page.get_attribute("html", "dir") == "rtl"
    shot(page, "forbidden", "fa")
