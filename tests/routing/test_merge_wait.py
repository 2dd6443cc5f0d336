"""After a merge the survivor waits in the queue from the customer's oldest unanswered
message of the merged timeline, not simply from the earlier of the two clocks (both
databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.models import AuditEvent
from pasokh.errors import Conflict
from pasokh.inbox.actions import do_merge, do_set_status
from pasokh.inbox.models import Conversation
from tests.analytics.builders import T0, Cast, Step, thread
from tests.conftest import World

MIN = timedelta(minutes=1)


def merged(session: Session, world: World, kept: list[Step], absorbed: list[Step],
           channel: str = "webchat") -> tuple[Conversation, Conversation]:
    """One customer's two threads (the absorbed one on `channel`), merged at minute 40."""
    cast = Cast(session, world)
    reza = cast.contact("رضا")
    target = thread(cast, kept, contact=reza)
    source = thread(cast, absorbed, contact=reza, channel=channel)
    do_merge(session=session, source=source, target=target, actor=cast.user("sara"),
             at=T0 + 40 * MIN)
    session.flush()
    return target, source


def test_a_reply_in_the_survivor_answers_what_the_customer_wrote_before_it_elsewhere(
        session: Session, world: World) -> None:
    cast = Cast(session, world)
    reza = cast.contact("رضا")
    # Web chat at 10 (unanswered there), Telegram at 12, answered on Telegram at 30.
    absorbed = thread(cast, [(10, "c")], contact=reza, channel="webchat")
    kept = thread(cast, [(12, "c"), (30, "a")], contact=reza)
    assert (absorbed.waiting_since, kept.waiting_since) == (T0 + 10 * MIN, None)
    do_merge(session=session, source=absorbed, target=kept, actor=cast.user("sara"),
             at=T0 + 40 * MIN)
    assert kept.waiting_since is None  # the reply at 30 came after both messages


def test_the_customer_waits_from_the_oldest_message_after_the_last_reply(
        session: Session, world: World) -> None:
    # Telegram: asked at 0, answered at 5, asked again at 20. Web chat: asked at 8, 25.
    kept, _ = merged(session, world, [(0, "c"), (5, "a"), (20, "c")], [(8, "c"), (25, "c")])
    assert kept.waiting_since == T0 + 8 * MIN  # 8 came after the reply at 5, before 20


def test_a_bot_reply_answers_too_but_a_note_does_not(session: Session, world: World) -> None:
    kept, _ = merged(session, world, [(0, "c"), (3, "b"), (9, "c"), (11, "n")], [(2, "c")])
    assert kept.waiting_since == T0 + 9 * MIN


def test_an_open_thread_merged_into_a_resolved_one_opens_it_again(
        session: Session, world: World) -> None:
    kept, absorbed = merged(session, world, [(0, "c"), (5, "a"), (6, "resolve")], [(30, "c")])
    assert (kept.status, kept.resolved_at, kept.waiting_since) == ("open", None, T0 + 30 * MIN)
    assert (absorbed.status, absorbed.merged_into_id) == ("resolved", kept.id)
    details = session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "conversation.merged")).one()
    assert details == {"merged": absorbed.id, "reopened": True}


def test_two_resolved_threads_stay_resolved_and_wait_for_nothing(
        session: Session, world: World) -> None:
    kept, _ = merged(session, world, [(0, "c"), (5, "a"), (6, "resolve")],
                     [(10, "c"), (12, "resolve")])
    assert (kept.status, kept.waiting_since) == ("resolved", None)


def test_the_same_channel_thread_reopens_its_older_resolved_sibling(
        session: Session, world: World) -> None:
    """One open conversation per channel and customer: the shell is closed before the
    survivor opens, or the database would refuse the second open one."""
    cast = Cast(session, world)
    reza = cast.contact("رضا")
    kept = thread(cast, [(0, "c"), (5, "a")], contact=reza)
    do_set_status(session=session, conversation=kept, status="resolved",
                  actor=cast.user("sara"), at=T0 + 6 * MIN)
    session.flush()
    absorbed = thread(cast, [(30, "c")], contact=reza)  # same channel, a new conversation
    do_merge(session=session, source=absorbed, target=kept, actor=cast.user("sara"),
             at=T0 + 40 * MIN)
    session.flush()
    assert (kept.status, kept.waiting_since) == ("open", T0 + 30 * MIN)


def test_a_merge_that_would_open_a_second_conversation_on_a_channel_is_refused(
        session: Session, world: World) -> None:
    cast = Cast(session, world)
    reza = cast.contact("رضا")
    closed = thread(cast, [(0, "c"), (5, "a"), (6, "resolve")], contact=reza)
    thread(cast, [(20, "c")], contact=reza)  # open again on the same channel since
    web = thread(cast, [(30, "c")], contact=reza, channel="webchat")
    with pytest.raises(Conflict) as refused:
        do_merge(session=session, source=web, target=closed, actor=cast.user("sara"),
                 at=T0 + 40 * MIN)
    assert "already has an open conversation" in str(refused.value)
    assert (closed.status, web.status, web.merged_into_id) == ("resolved", "open", None)
