"""Asked and inferred CSAT, NPS and CES on datasets whose answers are known by construction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.analytics.inferred import inferred_ces, inferred_csat, inferred_nps
from pasokh.analytics.periods import buckets
from pasokh.analytics.satisfaction import asked, comments
from pasokh.analytics.sql import Scope
from pasokh.inbox.actions import do_set_status
from pasokh.inbox.models import Conversation, Message
from pasokh.surveys.models import Survey
from tests.analytics.builders import T0, Cast, inbound, thread
from tests.conftest import World

MIN = timedelta(minutes=1)
MONTH = "1405/01"


def month(world: World) -> Scope:
    return Scope(workspace_id=world.workspace_id, buckets=buckets(
        start=T0, end=T0 + timedelta(days=3), grain="month", calendar="jalali"))


def answered(cast: Cast, conversation: Conversation, kind: str, score: int | None,
             comment: str | None = None) -> Survey:
    survey = Survey(workspace_id=conversation.workspace_id, conversation_id=conversation.id,
                    contact_id=conversation.contact_id, channel_id=conversation.channel_id,
                    kind=kind, status="answered" if score is not None else "commented",
                    send_after=T0, sent_at=T0, score=score, comment=comment,
                    answered_at=T0 + 60 * MIN)
    cast.session.add(survey)
    cast.session.flush()
    return survey


def done(cast: Cast) -> Conversation:
    return thread(cast, [(0, "c"), (5, "a"), (10, "resolve")])


@pytest.mark.parametrize(("kind", "scores", "expected"), [
    ("csat", [5, 4, 2], 66.6667),          # 2 of 3 answered 4 or 5
    ("nps", [10, 8, 3, 9], 25.0),          # 2 promoters, 1 detractor, of 4
    ("ces", [7, 5], 6.0),                  # the mean
])
def test_asked_scores(session: Session, world: World, kind: str, scores: list[int],
                      expected: float) -> None:
    cast = Cast(session, world)
    for score in scores:
        answered(cast, done(cast), kind, score)
    answered(cast, done(cast), kind, None, "کی پولم برمی‌گرده؟")  # a comment, not a score
    [row] = asked(session=session, scope=month(world), kind=kind)
    assert (row.period, row.count, round(row.value or 0, 4)) == (MONTH, len(scores), expected)
    [kept] = comments(session=session, scope=month(world))
    assert kept.count == 1


def test_inferred_csat_reads_the_tone_after_the_final_reply(session: Session,
                                                            world: World) -> None:
    cast = Cast(session, world)

    def closing(tone: float | None, survey: bool = False) -> None:
        c = thread(cast, [(0, "c"), (5, "a")])
        if tone is not None:
            inbound(cast, c, T0 + 6 * MIN, "ممنون", sentiment=tone)
        do_set_status(session=session, conversation=c, status="resolved", actor=None,
                      at=T0 + 10 * MIN)
        if survey:
            answered(cast, c, "csat", 1)

    closing(0.8)                 # satisfied
    closing(-0.6)                # not satisfied
    closing(None)                # said nothing after the reply: no inference
    closing(0.9, survey=True)    # asked: the asked score wins, no inference
    [row] = inferred_csat(session=session, scope=month(world))
    assert (row.count, row.value) == (2, 50.0)


def test_inferred_nps_counts_each_customer_once_per_period(session: Session,
                                                           world: World) -> None:
    cast = Cast(session, world)

    def public(text: str, tone: float = 0.0) -> Conversation:
        return thread(cast, [(0, "c", text)], channel="instagram-main", public=True,
                      sentiment=tone)

    public("حتما بخرید، پیشنهاد می‌کنم")              # promoter: a recommendation
    public("@ali اینو ببین")                           # promoter: a tagged friend
    share = public("🔁")                               # promoter: a share
    share_msg = session.scalars(select(Message).where(Message.conversation_id == share.id)).one()
    share_msg.meta = {"kind": "share"}
    mixed = public("خیلی خوبه", 0.8)                   # positive then negative: passive
    inbound(cast, mixed, T0 + 5 * MIN, "ولی دیر رسید", sentiment=-0.8)
    public("اصلا پیشنهاد نمی‌کنم")                     # detractor: discourages others
    public("I would not recommend it, never again")   # detractor (not a recommendation)
    thread(cast, [(0, "c", "love it, I recommend")])  # private: not a public signal
    session.flush()
    [row] = inferred_nps(session=session, scope=month(world))
    assert (row.count, round(row.value or 0, 4)) == (6, 16.6667)  # (3 - 2) / 6


def test_inferred_ces_subtracts_one_point_per_friction(session: Session, world: World) -> None:
    cast = Cast(session, world)
    thread(cast, [(0, "c"), (10, "a"), (20, "resolve")])                 # 7: effortless
    thread(cast, [(0, "c"), (90, "a"), (100, "c"), (110, "c"), (120, "c"), (130, "a2"),
                  (25 * 60, "resolve")])  # 3: slow first reply, >24 h, 4 asks, 2 agents
    back = cast.contact()
    thread(cast, [(0, "c"), (5, "a"), (6, "resolve")], channel="webchat",
           start=T0 - timedelta(days=1), contact=back)  # before: on another channel
    thread(cast, [(0, "c"), (10, "a"), (20, "resolve")], contact=back)  # 5: switched, came back
    thread(cast, [(0, "c")], start=T0 + timedelta(days=2), contact=back)
    [row] = inferred_ces(session=session, scope=month(world))
    assert (row.count, row.value) == (3, 5.0)
