"""Crisis alerts: a spike of negative public messages on one topic alerts once per incident."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pasokh.analytics.crisis import (
    SIGNATURE_HEADER,
    WEBHOOK_JOB,
    do_check_crisis,
    run_crisis_webhook,
)
from pasokh.errors import BadRequest
from pasokh.jobs.models import OutboxJob
from pasokh.workspaces.models import Workspace
from tests.analytics.builders import T0, Cast, thread
from tests.conftest import World

NOW = T0 + timedelta(days=2)
MIN = timedelta(minutes=1)
SECRET = "s3cret-for-the-webhook"


def setup(session: Session, world: World, **alerts: object) -> tuple[Cast, Workspace]:
    ws = session.get(Workspace, world.workspace_id)
    assert ws is not None
    ws.settings = {**ws.settings, "alerts": {"baseline_days": 1,
                                             "webhook_url": "https://hooks.example/pasokh",
                                             "webhook_secret": SECRET, **alerts}}
    return Cast(session, world), ws


def post(cast: Cast, at: datetime, *, topic: str = "technical", tone: float = -0.8,
         public: bool = True) -> None:
    thread(cast, [(0, "c", "اپ باز نمیشه! خراب شده")], start=at, category=topic,
           sentiment=tone, public=public, channel="instagram-main")


def jobs(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxJob)
                          .where(OutboxJob.kind == WEBHOOK_JOB)) or 0


def test_one_incident_one_webhook_however_long_the_spike(session: Session,
                                                         world: World) -> None:
    cast, ws = setup(session, world)
    for hours in (3, 15):  # usual rate: 2 a day, so ~0.08 expected in an hour
        post(cast, NOW - timedelta(hours=hours))
    for minute in (10, 20, 30, 40):
        post(cast, NOW - minute * MIN)
    post(cast, NOW - 5 * MIN, tone=0.7)        # positive: not part of a crisis
    post(cast, NOW - 5 * MIN, public=False)    # private: not public
    post(cast, NOW - 5 * MIN, topic="question")
    assert do_check_crisis(session=session, workspace=ws, now=NOW).opened == []  # 4 < 5
    post(cast, NOW - 2 * MIN)
    first = do_check_crisis(session=session, workspace=ws, now=NOW)
    assert [(i.topic, i.window_count) for i in first.opened] == [("technical", 5)]
    for minute in (1, 2, 3):
        post(cast, NOW + minute * MIN)
    again = do_check_crisis(session=session, workspace=ws, now=NOW + 10 * MIN)
    assert (again.opened, [i.peak_count for i in again.updated]) == ([], [8])
    assert jobs(session) == 1


def test_a_topic_that_is_always_busy_needs_more_to_spike(session: Session,
                                                         world: World) -> None:
    cast, ws = setup(session, world)
    for half_hours in range(3, 51):  # 48 in the day before: 2 an hour expected
        post(cast, NOW - half_hours * 30 * MIN, topic="complaint")
    for minute in range(5):
        post(cast, NOW - (minute + 1) * MIN, topic="complaint")
    assert do_check_crisis(session=session, workspace=ws, now=NOW).opened == []  # 5 < 3 × 2
    post(cast, NOW - 30 * MIN, topic="complaint")
    assert [i.topic for i in do_check_crisis(session=session, workspace=ws,
                                             now=NOW).opened] == ["complaint"]


def test_the_incident_closes_after_a_quiet_period_and_a_new_one_alerts_again(
        session: Session, world: World) -> None:
    cast, ws = setup(session, world, quiet_minutes=60)
    for minute in range(5):
        post(cast, NOW - (minute + 1) * MIN)
    assert len(do_check_crisis(session=session, workspace=ws, now=NOW).opened) == 1
    # Half an hour later the spike is still in the window: seen again at NOW + 30 min.
    assert len(do_check_crisis(session=session, workspace=ws, now=NOW + 30 * MIN).updated) == 1
    # Quiet is counted from the last time the spike was seen.
    assert do_check_crisis(session=session, workspace=ws, now=NOW + 89 * MIN).closed == []
    assert len(do_check_crisis(session=session, workspace=ws, now=NOW + 91 * MIN).closed) == 1
    later = NOW + 5 * 60 * MIN
    for minute in range(5):
        post(cast, later - (minute + 1) * MIN)
    assert len(do_check_crisis(session=session, workspace=ws, now=later).opened) == 1
    assert jobs(session) == 2


def test_the_webhook_is_signed_and_a_failure_is_retried(session: Session,
                                                        world: World) -> None:
    cast, ws = setup(session, world)
    for minute in range(5):
        post(cast, NOW - (minute + 1) * MIN)
    [incident] = do_check_crisis(session=session, workspace=ws, now=NOW).opened
    job = session.scalars(select(OutboxJob).where(OutboxJob.kind == WEBHOOK_JOB)).one()
    sent: list[tuple[str, bytes, dict[str, str]]] = []

    def ok(url: str, body: bytes, headers: dict[str, str]) -> int:
        sent.append((url, body, headers))
        return 204

    assert run_crisis_webhook(session=session, payload=job.payload, now=NOW, post=ok)
    url, body, headers = sent[0]
    t = int(NOW.timestamp())
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert (url, headers[SIGNATURE_HEADER]) == ("https://hooks.example/pasokh",
                                                f"t={t},v1={expected}")
    assert b'"topic":"technical"' in body and "خراب".encode() not in body
    with pytest.raises(RuntimeError, match="HTTP 500"):
        run_crisis_webhook(session=session, payload={"incident_id": incident.id}, now=NOW,
                           post=lambda *_: 500)


def test_without_a_webhook_nothing_is_sent(session: Session, world: World) -> None:
    cast, ws = setup(session, world, webhook_url=None)
    for minute in range(5):
        post(cast, NOW - (minute + 1) * MIN)
    [incident] = do_check_crisis(session=session, workspace=ws, now=NOW).opened
    assert not run_crisis_webhook(session=session, payload={"incident_id": incident.id},
                                  now=NOW, post=lambda *_: pytest.fail("sent"))  # type: ignore


@pytest.mark.parametrize(("alerts", "field"), [
    ({"factor": 0.5}, "factor"), ({"webhook_url": "ftp://x"}, "webhook_url"),
    ({"webhook_secret": "short"}, "webhook_secret"),
])
def test_bad_alert_settings_are_refused(session: Session, world: World,
                                        alerts: dict[str, object], field: str) -> None:
    _cast, ws = setup(session, world, **alerts)
    with pytest.raises(BadRequest, match=field):
        do_check_crisis(session=session, workspace=ws, now=NOW)
