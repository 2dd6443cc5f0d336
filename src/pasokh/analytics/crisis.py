"""Crisis alerts: a spike of negative public messages about one topic, alerted once.

Method (docs/metrics.md, "Crisis alert"): for each topic (the triage category), count the
negative public customer messages that arrived in the last `window_minutes` and compare
with the topic's usual rate over the `baseline_days` before that window. A spike is a
count ≥ max(min_count, factor × expected). The first spike opens an incident (an in-app
alert and one signed webhook through the outbox); later spikes only update it; it closes
after `quiet_minutes` without a spike, and only then can a new incident open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pasokh.analytics.models import CrisisIncident
from pasokh.audit.service import do_audit
from pasokh.errors import BadRequest
from pasokh.inbox.models import Message, TriageDecision
from pasokh.jobs.service import do_enqueue
from pasokh.workspaces.models import Workspace

WEBHOOK_JOB = "crisis_webhook"
SIGNATURE_HEADER = "X-Pasokh-Signature"
Post = Callable[[str, bytes, dict[str, str]], int]


class AlertSettings(BaseModel):
    """workspace.settings["alerts"]: the crisis rule and where to send the webhook."""

    model_config = ConfigDict(extra="forbid")

    window_minutes: int = Field(default=60, ge=5, le=24 * 60)
    baseline_days: int = Field(default=7, ge=1, le=90)
    factor: float = Field(default=3.0, ge=1.0, le=100.0)
    min_count: int = Field(default=5, ge=1, le=10_000)
    quiet_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60)
    webhook_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)


def check_alert_settings(workspace_settings: dict[str, Any]) -> AlertSettings:
    """The workspace's alert settings, or a 400 naming the field that is wrong."""
    try:
        return AlertSettings.model_validate(workspace_settings.get("alerts") or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadRequest(f"Alert settings: {where}: {first['msg']}.",
                         fa=f"تنظیمات هشدار: {where}: {first['msg']}.") from exc


@dataclass(frozen=True)
class Spike:
    """A topic whose negative public messages in the window exceed its threshold."""

    topic: str
    count: int
    expected: float
    message_ids: list[int] = field(default_factory=list)


def spikes(*, session: Session, workspace_id: int, now: datetime,
           rule: AlertSettings) -> list[Spike]:
    """Topics spiking now, in one grouped query over the window and its baseline."""
    window_start = now - timedelta(minutes=rule.window_minutes)
    base_start = window_start - timedelta(days=rule.baseline_days)
    m, t = Message, TriageDecision
    topic = func.coalesce(t.corrected_category, t.category)
    in_window = m.created_at >= window_start
    stmt = (select(topic, func.sum(case((in_window, 1), else_=0)),
                   func.sum(case((in_window, 0), else_=1)))
            .select_from(m).join(t, t.message_id == m.id)
            .where(m.workspace_id == workspace_id, m.direction == "inbound",
                   m.is_public.is_(True),
                   func.coalesce(t.corrected_sentiment, t.sentiment) == "negative",
                   m.created_at >= base_start, m.created_at < now)
            .group_by(topic))
    share = rule.window_minutes / (rule.baseline_days * 24 * 60)
    out = []
    for name, count, base in session.execute(stmt):
        expected = int(base or 0) * share
        if int(count or 0) >= max(rule.min_count, rule.factor * expected):
            ids = session.scalars(
                select(m.id).join(t, t.message_id == m.id)
                .where(m.workspace_id == workspace_id, m.direction == "inbound",
                       m.is_public.is_(True), topic == name,
                       func.coalesce(t.corrected_sentiment, t.sentiment) == "negative",
                       m.created_at >= window_start, m.created_at < now)
                .order_by(m.id.desc()).limit(5)).all()
            out.append(Spike(str(name), int(count), expected, list(ids)))
    return out


@dataclass
class CrisisCheck:
    """What one check did: incidents opened (alerted), updated and closed."""

    opened: list[CrisisIncident] = field(default_factory=list)
    updated: list[CrisisIncident] = field(default_factory=list)
    closed: list[CrisisIncident] = field(default_factory=list)


def do_check_crisis(*, session: Session, workspace: Workspace, now: datetime) -> CrisisCheck:
    """Open, update or close incidents from the current spikes; alert only on opening."""
    rule = check_alert_settings(workspace.settings)
    current = {i.topic: i for i in session.scalars(select(CrisisIncident).where(
        CrisisIncident.workspace_id == workspace.id, CrisisIncident.status == "open"))}
    result = CrisisCheck()
    found = spikes(session=session, workspace_id=workspace.id, now=now, rule=rule)
    for spike in found:
        incident = current.get(spike.topic)
        if incident is None:
            incident = CrisisIncident(
                workspace_id=workspace.id, topic=spike.topic, status="open", started_at=now,
                last_seen_at=now, window_count=spike.count, peak_count=spike.count,
                baseline=spike.expected, sample_message_ids=spike.message_ids)
            session.add(incident)
            session.flush()
            do_enqueue(session=session, workspace_id=workspace.id, kind=WEBHOOK_JOB,
                       payload={"incident_id": incident.id},
                       dedupe_key=f"{WEBHOOK_JOB}:{incident.id}")
            do_audit(session=session, workspace_id=workspace.id, action="crisis.opened",
                     target_type="crisis_incident", target_id=incident.id,
                     details={"topic": spike.topic, "count": spike.count})
            result.opened.append(incident)
        else:
            incident.last_seen_at, incident.window_count = now, spike.count
            incident.peak_count = max(incident.peak_count, spike.count)
            result.updated.append(incident)
    spiking = {s.topic for s in found}
    for topic, incident in current.items():
        if topic not in spiking and now - incident.last_seen_at >= timedelta(
                minutes=rule.quiet_minutes):
            incident.status, incident.closed_at = "closed", now
            result.closed.append(incident)
    session.flush()
    return result


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value: t=<unix time>,v1=<HMAC-SHA256 of "t.body">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def webhook_body(incident: CrisisIncident) -> bytes:
    """The JSON the webhook carries: the incident, never customer text."""
    return json.dumps({
        "event": "crisis.opened", "incident_id": incident.id,
        "workspace_id": incident.workspace_id, "topic": incident.topic,
        "started_at": incident.started_at.isoformat(), "count": incident.window_count,
        "expected": round(incident.baseline, 3), "message_ids": incident.sample_message_ids,
    }, separators=(",", ":"), sort_keys=True).encode()


def _httpx_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import httpx

    return httpx.post(url, content=body, headers=headers, timeout=10.0).status_code


def run_crisis_webhook(*, session: Session, payload: dict[str, Any], now: datetime,
                       post: Post = _httpx_post) -> bool:
    """Deliver one incident's webhook (the outbox job); raise so the runner retries on failure.

    Returns False when the workspace has no webhook configured (nothing to send).
    """
    incident = session.get(CrisisIncident, int(payload["incident_id"]))
    if incident is None:
        return False
    workspace = session.get(Workspace, incident.workspace_id)
    assert workspace is not None
    rule = check_alert_settings(workspace.settings)
    if not rule.webhook_url or not rule.webhook_secret:
        return False
    body = webhook_body(incident)
    headers = {"Content-Type": "application/json",
               SIGNATURE_HEADER: sign(rule.webhook_secret, body, int(now.timestamp()))}
    status = post(rule.webhook_url, body, headers)
    if not 200 <= status < 300:
        raise RuntimeError(f"crisis webhook answered HTTP {status}")
    return True
