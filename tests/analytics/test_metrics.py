"""Every service metric on a dataset whose answer is known by construction (both databases)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from pasokh.analytics import metrics
from pasokh.analytics.periods import buckets
from pasokh.analytics.sql import Row, Scope
from tests.analytics.builders import T0, Cast, thread
from tests.conftest import World

DAY = timedelta(days=1)
D1, D2, D3 = "1405/01/01", "1405/01/02", "1405/01/03"


def scope(world: World, **kw: object) -> Scope:
    days = buckets(start=T0, end=T0 + 2 * DAY + timedelta(hours=1), grain="day",
                   calendar="jalali")
    return Scope(workspace_id=world.workspace_id, buckets=days,
                 now=T0 + 2 * DAY + timedelta(minutes=10), **kw)  # type: ignore[arg-type]


@pytest.fixture
def dataset(session: Session, world: World) -> Cast:
    """Six conversations over three Jalali days; the comments give each one's figures."""
    cast = Cast(session, world)
    # A: FRT 10 min, NRT 30 min, resolved after 60 min.
    thread(cast, [(0, "c"), (10, "a"), (20, "c"), (50, "a"), (60, "resolve")])
    # B: bot at 1 min (bot FRT 60 s), human at 30 min; two customer lines at 35/36 are one
    # turn, answered at 45 min (NRT 10 min). High priority, web chat.
    thread(cast, [(0, "c"), (1, "b"), (30, "a"), (35, "c"), (36, "c"), (45, "a")],
           channel="webchat", priority="high", category="technical")
    # C: urgent, only an internal note: unanswered, SLA breached.
    thread(cast, [(0, "c"), (5, "n")], channel="instagram-main", priority="urgent",
           category="complaint")
    # D (day 2): FRT 2 h, resolved at 3 h, reopened, resolved again at 5 h.
    thread(cast, [(0, "c"), (120, "a"), (180, "resolve"), (200, "reopen"), (240, "a"),
                  (300, "resolve")], start=T0 + DAY)
    # E (day 2): FRT 30 min, resolved at 40 min; the same customer writes again on day 3.
    back = cast.contact("returning")
    thread(cast, [(0, "c"), (30, "a"), (40, "resolve")], start=T0 + DAY, contact=back)
    thread(cast, [(0, "c")], start=T0 + 2 * DAY, contact=back)
    session.flush()
    return cast


def table(rows: list[Row]) -> list[tuple[str, str | None, int, float | None]]:
    return [(r.period, r.key, r.count, None if r.value is None else round(r.value, 4))
            for r in rows]


CASES = [
    ("volume", [(D1, None, 3, None), (D2, None, 2, None), (D3, None, 1, None)]),
    ("first_response_human", [(D1, None, 2, 1200.0), (D2, None, 2, 4500.0)]),
    ("unanswered", [(D1, None, 1, None), (D3, None, 1, None)]),
    ("first_response_bot", [(D1, None, 1, 60.0)]),
    ("next_response_human", [(D1, None, 2, 1200.0)]),
    ("resolution", [(D1, None, 1, 3600.0), (D2, None, 2, 10200.0)]),
    ("reopen_rate", [(D1, None, 1, 0.0), (D2, None, 2, 0.5)]),
    ("repeat_contact_rate", [(D1, None, 1, 0.0), (D2, None, 2, 0.5)]),
    ("sla_attainment", [(D1, None, 3, 0.6667), (D2, None, 2, 1.0), (D3, None, 0, None)]),
    ("backlog", [(D1, None, 2, None), (D2, None, 2, None), (D3, None, 3, None)]),
    ("inbound_messages", [(D1, None, 6, None), (D2, None, 2, None), (D3, None, 1, None)]),
]


def test_every_metric_by_construction(dataset: Cast) -> None:
    # One dataset for the whole table: building the world is the slow part of a test.
    got = {name: table(getattr(metrics, name)(session=dataset.session,
                                              scope=scope(dataset.world)))
           for name, _expected in CASES}
    assert got == dict(CASES)


def test_breakdown_by_priority(dataset: Cast) -> None:
    rows = metrics.volume(session=dataset.session, scope=scope(dataset.world, by="priority"))
    assert table(rows)[:3] == [(D1, "high", 1, None), (D1, "normal", 1, None),
                               (D1, "urgent", 1, None)]


def test_filters_narrow_every_metric(dataset: Cast) -> None:
    webchat = dataset.channel("webchat").id
    rows = metrics.first_response_human(session=dataset.session,
                                        scope=scope(dataset.world, channel_id=webchat))
    assert table(rows) == [(D1, None, 1, 1800.0)]


def test_resolution_sla_counts_the_final_resolution(dataset: Cast) -> None:
    rows = metrics.sla_attainment(session=dataset.session, scope=scope(dataset.world),
                                  which="resolution")
    # Targets: normal 24 h, high 8 h, urgent 4 h. A met; B and C are still open and past
    # their targets at `now` (2 days later): breached. D and E met; E2 still within 24 h.
    assert table(rows) == [(D1, None, 3, 0.3333), (D2, None, 2, 1.0), (D3, None, 0, None)]


def test_a_whole_range_bucket_gives_the_totals(dataset: Cast) -> None:
    whole = buckets(start=T0, end=T0 + 3 * DAY, grain="month", calendar="jalali")
    s = Scope(workspace_id=dataset.world.workspace_id, buckets=whole)
    assert table(metrics.first_response_human(session=dataset.session, scope=s)) == [
        ("1405/01", None, 4, 2850.0)]


def office_hours(start: datetime, end: datetime) -> float:
    """A test calendar: 06:00–14:00 UTC every day (what routing's calendar would supply)."""
    minutes, t = 0.0, start
    while t < end:
        step = min(end, t + timedelta(minutes=1))
        if 6 <= t.hour < 14:
            minutes += (step - t).total_seconds() / 60
        t = step
    return minutes


def test_business_hours_stop_the_clock_overnight(session: Session, world: World) -> None:
    cast = Cast(session, world)
    # Written at 13:50 UTC, answered at 06:10 next morning: 16 h 20 min of calendar time,
    # 20 business minutes.
    thread(cast, [(0, "c"), (980, "a")], start=T0.replace(hour=13, minute=50))
    s = Scope(workspace_id=world.workspace_id, buckets=buckets(
        start=T0, end=T0 + DAY, grain="month", calendar="gregorian"))
    assert table(metrics.first_response_human(session=session, scope=s)) == [
        ("2026-03", None, 1, 980 * 60.0)]
    assert table(metrics.business_first_response(session=session, scope=s,
                                                 business_minutes=office_hours)) == [
        ("2026-03", None, 1, 20 * 60.0)]


def test_sla_uses_the_due_time_routing_stored_on_business_hours(session: Session,
                                                                world: World) -> None:
    from pasokh.routing.models import ConversationRouting

    cast = Cast(session, world)
    # Written on Wednesday 1405/01/05 at 16:50 Tehran; routing's business clock made it due
    # on Saturday 08:30. Answered Saturday 08:10: 63 calendar hours, yet within the SLA.
    wednesday = T0 + timedelta(days=4, hours=7, minutes=20)
    met = thread(cast, [(0, "c"), (63 * 60 + 20, "a")], start=wednesday)
    late = thread(cast, [(0, "c"), (63 * 60 + 50, "a")], start=wednesday)
    running = thread(cast, [(0, "c")], start=wednesday)
    due = wednesday + timedelta(hours=63, minutes=40)
    for conversation in (met, late, running):
        session.add(ConversationRouting(conversation_id=conversation.id,
                                        workspace_id=world.workspace_id,
                                        first_response_due=due))
    session.flush()
    days = buckets(start=wednesday, end=wednesday + timedelta(hours=1), grain="week",
                   calendar="jalali")
    s = Scope(workspace_id=world.workspace_id, buckets=days, now=due - timedelta(minutes=1))
    # The running clock is not yet due: it is not counted.
    assert table(metrics.sla_attainment(session=session, scope=s)) == [
        ("1405/01/01", None, 2, 0.5)]


def test_business_first_response_with_the_workspace_calendar(session: Session,
                                                             world: World) -> None:
    from functools import partial

    from pasokh.routing.calendar import business_minutes_between, make_calendar

    cast = Cast(session, world)
    # Wednesday 16:50 Tehran → Saturday 08:10: 10 min on Wednesday, Thursday's half day
    # (08:00–13:00, 300 min), Friday off, 10 min on Saturday = 320 business minutes.
    wednesday = T0 + timedelta(days=4, hours=7, minutes=20)
    thread(cast, [(0, "c"), (63 * 60 + 20, "a")], start=wednesday)
    s = Scope(workspace_id=world.workspace_id, buckets=buckets(
        start=wednesday, end=wednesday + timedelta(hours=1), grain="month", calendar="jalali"))
    rows = metrics.business_first_response(
        session=session, scope=s, business_minutes=partial(business_minutes_between,
                                                            make_calendar()))
    assert table(rows) == [("1405/01", None, 1, 320 * 60.0)]


def test_dashboard_totals_equal_a_whole_range_query(dataset: Cast) -> None:
    from pasokh.analytics.dashboard import build_dashboard
    from pasokh.analytics.report import build_tables

    s = scope(dataset.world)
    board = build_dashboard(session=dataset.session, scope=s)
    whole = Scope(workspace_id=s.workspace_id, now=s.now, buckets=[
        type(s.buckets[0])(s.start, s.end, "total")])
    for t in build_tables(session=dataset.session, scope=whole, names=list(board.totals)):
        got = board.totals[t.name].rows
        want = [r.model_copy(update={"value": None if r.value is None else round(r.value, 4)})
                for r in t.rows]
        assert [r.model_copy(update={"value": None if r.value is None else round(r.value, 4)})
                for r in got] == want or (not got[0].count and not want), t.name
    assert board.totals["volume"].rows[0].count == 6
