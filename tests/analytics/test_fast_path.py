"""The dashboard's fast tables equal the straightforward per-view queries on the same data.

`analytics/facts.py` keeps per-conversation facts and customer turns where messages are
stored; `tests/analytics/reference.py` reads the same figures straight from the messages. Both
run here on one dataset with reopens, a merge, late replies, a late-delivered message, a
survey answer after resolution, routing due times and business hours (both databases).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from pasokh.analytics.facts import rebuild
from pasokh.analytics.metrics import next_response_human
from pasokh.analytics.models import ConversationFacts, ConversationTurn
from pasokh.analytics.periods import Bucket, buckets
from pasokh.analytics.report import TABLES
from pasokh.analytics.sql import Row, Scope
from pasokh.inbox.actions import do_merge, do_reply, do_set_status
from pasokh.routing.models import ConversationRouting
from pasokh.surveys.models import Survey
from tests.analytics import reference
from tests.analytics.builders import T0, Cast, inbound, thread
from tests.conftest import World

DAY, MIN = timedelta(days=1), timedelta(minutes=1)
REFERENCE: dict[str, Any] = {
    "first_response_bot": reference.first_response_bot,
    "next_response_human": reference.next_response_human,
    "backlog": reference.backlog,
    "csat_inferred": reference.inferred_csat,
    "ces_inferred": reference.inferred_ces,
}


def _survey(cast: Cast, conversation: Any, kind: str, score: int) -> None:
    cast.session.add(Survey(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        contact_id=conversation.contact_id, channel_id=conversation.channel_id, kind=kind,
        status="answered", send_after=T0, sent_at=T0, score=score, answered_at=T0 + DAY))


@pytest.fixture
def busy(session: Session, world: World) -> Cast:
    """Four days of conversations touching every way the facts change."""
    cast = Cast(session, world)
    sara = cast.user("sara")
    # Plain ones: answered, bot first, note only, reopened, a repeat contact.
    thread(cast, [(0, "c"), (10, "a"), (20, "c"), (50, "a"), (60, "c"), (70, "resolve")],
           sentiment=0.8)
    thread(cast, [(0, "c"), (1, "b"), (30, "a"), (35, "c"), (36, "c"), (45, "a"), (50, "b"),
                  (55, "c"), (60, "resolve")], channel="webchat", priority="high",
           category="technical", sentiment=-0.6)
    thread(cast, [(0, "c"), (5, "n")], channel="instagram-main", priority="urgent",
           category="complaint", public=True)
    thread(cast, [(0, "c"), (120, "a"), (180, "resolve"), (200, "reopen"), (210, "c"),
                  (240, "a2"), (250, "c"), (300, "resolve")], start=T0 + DAY, sentiment=0.5)
    back = cast.contact("returning")
    thread(cast, [(0, "c"), (30, "a"), (35, "c"), (40, "resolve")], start=T0 + DAY, contact=back)
    thread(cast, [(0, "c"), (600, "c"), (900, "a")], start=T0 + 2 * DAY, contact=back)
    # A turn straddling the third day's midnight (Tehran), answered the next morning.
    thread(cast, [(0, "c"), (5, "a"), (20 * 60 - 30, "c"), (20 * 60 + 40, "c"),
                  (22 * 60, "a")], start=T0 + DAY)
    # Late replies: to a conversation resolved two days earlier, and to an old question.
    old = thread(cast, [(0, "c"), (5, "a"), (8, "c"), (10, "resolve")], sentiment=0.9)
    do_reply(session=session, conversation=old, author=sara, text="یک نکته دیگر",
             at=T0 + 2 * DAY, deliver=False)
    slow = thread(cast, [(0, "c"), (3, "a"), (60, "c")], start=T0 + timedelta(hours=2))
    do_reply(session=session, conversation=slow, author=sara, text="ببخشید دیر شد",
             at=T0 + 3 * DAY, deliver=False)
    # A message delivered late: dated before the agent's last reply, it joins that turn.
    late = thread(cast, [(0, "c"), (10, "a"), (20, "c"), (50, "a"), (55, "resolve")],
                  start=T0 + DAY)
    inbound(cast, late, T0 + DAY + 15 * MIN, sentiment=-0.9)
    # A survey answer stored into the resolved conversation, after its final reply.
    surveyed = thread(cast, [(0, "c"), (5, "a"), (9, "resolve")], start=T0 + 2 * DAY)
    inbound(cast, surveyed, T0 + 2 * DAY + 70 * MIN, "۵", sentiment=0.7)
    _survey(cast, surveyed, "ces", 6)
    asked = thread(cast, [(0, "c"), (5, "a"), (8, "c"), (9, "resolve")], sentiment=0.9)
    _survey(cast, asked, "csat", 5)
    # A merge: the customer's web chat moves into their open Telegram conversation.
    twice = cast.contact("twice")
    target = thread(cast, [(0, "c"), (40, "a"), (45, "c")], start=T0 + DAY, contact=twice)
    source = thread(cast, [(10, "c"), (20, "a"), (30, "c"), (90, "b"), (95, "a2")],
                    start=T0 + DAY, contact=twice, channel="webchat")
    do_merge(session=session, source=source, target=target, actor=sara)
    do_set_status(session=session, conversation=target, status="resolved", actor=sara,
                  at=T0 + DAY + 3 * 60 * MIN)
    # Routing's due times on business hours for two of them.
    for conversation, due in ((old, T0 + 4 * MIN), (late, T0 + DAY + 2 * MIN)):
        session.add(ConversationRouting(conversation_id=conversation.id,
                                        workspace_id=world.workspace_id,
                                        first_response_due=due, resolution_due=due + DAY))
    session.flush()
    return cast


def _scopes(world: World) -> list[Scope]:
    days = Scope(workspace_id=world.workspace_id, now=T0 + 3 * DAY + timedelta(hours=2),
                 buckets=buckets(start=T0, end=T0 + 4 * DAY, grain="day", calendar="jalali"))
    cut = T0 + DAY + 20 * 60 * MIN  # inside the straddling turn and the merged timeline
    return [
        days,
        replace(days, buckets=[Bucket(days.start, days.end, "total")]),
        replace(days, buckets=buckets(start=cut, end=T0 + 4 * DAY, grain="day",
                                      calendar="gregorian")),
        replace(days, buckets=[Bucket(T0 + 2 * DAY, T0 + 4 * DAY, "later")]),
        *[replace(days, by=by) for by in ("channel", "agent", "priority", "category")],
        replace(days, channel_id=None, priority="normal"),
    ]


def rounded(rows: list[Row], digits: int = 6
            ) -> list[tuple[str, str | None, int, float | None]]:
    return [(r.period, r.key, r.count, None if r.value is None else round(r.value, digits))
            for r in rows]


def test_every_table_equals_the_straightforward_query(busy: Cast) -> None:
    session = busy.session
    checked = 0
    for scope in _scopes(busy.world):
        for name, spec in TABLES.items():
            fast = spec.fn(session=session, scope=scope)
            slow = REFERENCE.get(name, spec.fn)(session=session, scope=scope)
            assert rounded(fast) == rounded(slow), (name, scope.by, scope.start)
            checked += bool(fast) and name in REFERENCE
    assert checked >= 30  # the data really exercises the fast tables


def test_the_dataset_is_not_trivial(busy: Cast) -> None:
    """Guard the comparison above: each fast table has figures to compare."""
    days = _scopes(busy.world)[0]
    for name in REFERENCE:
        rows = TABLES[name].fn(session=busy.session, scope=days)
        assert any(r.count for r in rows), name


def _snapshot(session: Session) -> tuple[list[Any], list[Any]]:
    facts = session.execute(select(ConversationFacts.__table__).order_by(
        ConversationFacts.conversation_id)).all()
    turns = session.execute(select(ConversationTurn.conversation_id, ConversationTurn.asked_at,
                                   ConversationTurn.replied_at)
                            .order_by(ConversationTurn.conversation_id,
                                      ConversationTurn.asked_at)).all()
    return [tuple(r) for r in facts], [tuple(r) for r in turns]


def test_the_bulk_rebuild_equals_the_hooks(busy: Cast) -> None:
    """Migration 0004 and the bench derive the facts in one pass: the same rows."""
    session = busy.session
    session.flush()
    kept = _snapshot(session)
    session.execute(text("DELETE FROM conversation_facts"))
    session.execute(text("DELETE FROM conversation_turns"))
    rebuild(session.connection())
    facts, turns = _snapshot(session)
    # Tone sums are floats added in another order: equal to the last bits that matter.
    def tidy(rows: list[Any]) -> list[Any]:
        return [(*f[:6], round(f[6], 9), f[7]) for f in rows]

    assert tidy(facts) == tidy(kept[0])
    assert turns == kept[1]


def test_a_late_delivered_message_joins_the_turn_it_was_sent_in(session: Session,
                                                                 world: World) -> None:
    cast = Cast(session, world)
    conversation = thread(cast, [(0, "c"), (10, "a"), (20, "c"), (50, "a")])
    s = Scope(workspace_id=world.workspace_id, buckets=[Bucket(T0, T0 + DAY, "total")])
    assert rounded(next_response_human(session=session, scope=s), 3) == [
        ("total", None, 1, 1800.0)]
    # Sent at minute 15 (after the first reply), delivered after the second reply.
    inbound(cast, conversation, T0 + 15 * MIN)
    assert rounded(next_response_human(session=session, scope=s), 3) == [
        ("total", None, 1, 2100.0)]


def test_a_turn_started_before_the_range_is_not_counted_in_it(session: Session,
                                                              world: World) -> None:
    """Regression: the per-view query numbered turns from the range start and counted
    the tail of a turn that had started before it."""
    cast = Cast(session, world)
    thread(cast, [(0, "c"), (10, "a"), (50, "c"), (70, "c"), (80, "a")])
    s = Scope(workspace_id=world.workspace_id, buckets=[Bucket(T0 + 60 * MIN, T0 + DAY, "t")])
    for fn in (next_response_human, reference.next_response_human):
        assert fn(session=session, scope=s) == []
