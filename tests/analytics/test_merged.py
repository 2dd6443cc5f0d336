"""A merge makes two conversations one: every metric counts the survivor once (both databases).

Two customers each wrote on Telegram and on web chat the same morning; an agent merged the
web chat into the Telegram conversation at minute 50 and resolved it at minute 120. The
absorbed conversation stays behind, resolved at minute 50 and empty, only to say where it
went (`merged_into_id`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from pasokh.analytics import inferred, metrics
from pasokh.analytics.facts import rebuild
from pasokh.analytics.models import ConversationFacts, ConversationTurn
from pasokh.analytics.periods import Bucket
from pasokh.analytics.report import TABLES
from pasokh.analytics.sql import Row, Scope
from pasokh.inbox.actions import do_merge, do_set_status
from pasokh.inbox.models import Conversation
from tests.analytics.builders import T0, Cast, thread
from tests.conftest import World

MIN, DAY = timedelta(minutes=1), timedelta(days=1)
D1 = "day"


def scope(world: World, **kw: object) -> Scope:
    return Scope(workspace_id=world.workspace_id, now=T0 + DAY,  # type: ignore[arg-type]
                 buckets=[Bucket(T0, T0 + DAY, D1)], **kw)


def table(rows: list[Row]) -> list[tuple[str, str | None, int, float | None]]:
    return [(r.period, r.key, r.count, None if r.value is None else round(r.value, 4))
            for r in rows]


@pytest.fixture
def merged(session: Session, world: World) -> Cast:
    cast = Cast(session, world)
    sara = cast.user("sara")
    # Reza: Telegram from minute 0, web chat from minute 10 (answered there at 15).
    reza = cast.contact("رضا")
    kept = thread(cast, [(0, "c"), (30, "a"), (40, "c")], contact=reza)
    absorbed = thread(cast, [(10, "c"), (15, "a"), (20, "c")], contact=reza, channel="webchat")
    # Maryam: Telegram from minute 0 (answered at 20), web chat at 5, never answered there.
    maryam = cast.contact("مریم")
    kept_too = thread(cast, [(0, "c"), (20, "a")], contact=maryam)
    unanswered = thread(cast, [(5, "c")], contact=maryam, channel="webchat")
    for source, target in ((absorbed, kept), (unanswered, kept_too)):
        do_merge(session=session, source=source, target=target, actor=sara, at=T0 + 50 * MIN)
        do_set_status(session=session, conversation=target, status="resolved", actor=sara,
                      at=T0 + 120 * MIN)
    session.flush()
    return cast


def test_merging_two_conversations_of_one_customer_counts_one_conversation_in_volume(
        merged: Cast) -> None:
    s = scope(merged.world)
    assert table(metrics.volume(session=merged.session, scope=s)) == [(D1, None, 2, None)]
    by_channel = metrics.volume(session=merged.session, scope=scope(merged.world, by="channel"))
    telegram = str(merged.channel("telegram-bot").id)
    assert table(by_channel) == [(D1, telegram, 2, None)]  # no web chat conversation left


def test_an_absorbed_conversations_messages_count_once_in_inbound_messages(
        merged: Cast) -> None:
    session, world = merged.session, merged.world
    # 3 + 1 customer messages from Reza, 1 + 1 from Maryam: all now in the survivors.
    assert table(metrics.inbound_messages(session=session, scope=scope(world))) == [
        (D1, None, 6, None)]
    telegram = merged.channel("telegram-bot")
    for filtered in (scope(world, by="channel"), scope(world, channel_id=telegram.id)):
        rows = metrics.inbound_messages(session=session, scope=filtered)
        assert sum(r.count for r in rows) == 6


def test_first_response_and_resolution_are_the_survivors_alone(merged: Cast) -> None:
    session, s = merged.session, scope(merged.world)
    # Reza waited from minute 0 to the web chat answer at 15; Maryam from 0 to 20.
    assert table(metrics.first_response_human(session=session, scope=s)) == [
        (D1, None, 2, 1050.0)]
    # Not the shells resolved by the merge at minute 50: the survivors, at 120.
    assert table(metrics.resolution(session=session, scope=s)) == [(D1, None, 2, 7200.0)]
    # Maryam's unanswered web chat went into an answered conversation.
    assert metrics.unanswered(session=session, scope=s) == []
    assert table(metrics.sla_attainment(session=session, scope=s)) == [(D1, None, 2, 1.0)]
    assert table(metrics.backlog(session=session, scope=s)) == [(D1, None, 0, None)]
    # Reza's second turn (20, on web chat) answered at 30 on Telegram.
    assert table(metrics.next_response_human(session=session, scope=s)) == [
        (D1, None, 1, 600.0)]


def test_inferred_effort_is_scored_for_the_survivors_only(merged: Cast) -> None:
    # Reza: more than 3 customer messages (6); Maryam: no friction (7). A shell would add
    # a conversation with a "channel switch" from its own survivor.
    rows = inferred.inferred_ces(session=merged.session, scope=scope(merged.world))
    assert table(rows) == [(D1, None, 2, 6.5)]


def test_no_table_changes_when_the_shells_are_deleted(merged: Cast) -> None:
    """The absorbed conversations contribute to no metric at all."""
    session, s = merged.session, scope(merged.world)
    breakdowns = [s, scope(merged.world, by="channel"), scope(merged.world, priority="normal")]
    before = {(name, sc.by, sc.priority): table(spec.fn(session=session, scope=sc))
              for name, spec in TABLES.items() for sc in breakdowns}
    assert any(rows for rows in before.values())
    session.execute(delete(Conversation).where(Conversation.merged_into_id.is_not(None)))
    after = {(name, sc.by, sc.priority): table(spec.fn(session=session, scope=sc))
             for name, spec in TABLES.items() for sc in breakdowns}
    assert after == before


def test_the_shells_keep_no_facts_or_turns_and_a_rebuild_agrees(merged: Cast) -> None:
    session = merged.session
    shells = select(Conversation.id).where(Conversation.merged_into_id.is_not(None))
    for model in (ConversationFacts, ConversationTurn):
        assert session.scalar(select(func.count()).select_from(model)
                              .where(model.conversation_id.in_(shells))) == 0
    facts = session.execute(select(ConversationFacts.__table__)
                            .order_by(ConversationFacts.conversation_id)).all()
    session.execute(delete(ConversationFacts))
    session.execute(delete(ConversationTurn))
    rebuild(session.connection())
    assert session.execute(select(ConversationFacts.__table__)
                           .order_by(ConversationFacts.conversation_id)).all() == facts


@pytest.mark.parametrize(("metric", "index"), [
    (metrics.volume, "ix_conversations_started"),
    (metrics.unanswered, "ix_conversations_started"),
    (metrics.first_response_human, "ix_conversations_started"),
    (metrics.resolution, "ix_conversations_resolved"),
])
def test_skipping_absorbed_conversations_keeps_the_index_only_scan(
        merged: Cast, metric: object, index: str) -> None:
    """The skip is decided inside the covering index: no row is fetched to look at it."""
    session = merged.session
    seen: list[tuple[str, object]] = []
    connection = session.connection()

    def keep(_conn: object, _cursor: object, statement: str, parameters: object,
             *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", keep)
    try:
        metric(session=session, scope=scope(merged.world))  # type: ignore[operator]
    finally:
        event.remove(connection, "before_cursor_execute", keep)
    (statement, parameters), = seen
    # Every column the statement reads is in the index (what an index-only scan needs)...
    covering = next(ix for ix in Conversation.__table__.indexes if ix.name == index)
    read = set(re.findall(r"conversations\.(\w+)", statement))
    assert "merged_into_id" in read and read <= {c.name for c in covering.columns}, read
    if connection.dialect.name == "sqlite":  # ...and SQLite's planner uses it so.
        plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters))  # type: ignore[arg-type]
        assert f"USING COVERING INDEX {index}" in plan, plan
    # PostgreSQL's plan on a handful of rows says little: bench/metrics.py reads its plans
    # on 200,000 conversations (docs/metrics.md).
