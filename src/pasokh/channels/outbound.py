"""Outbound delivery: one adapter per channel kind turns a stored reply into a provider call.

Only the generic `api` kind has an adapter so far: it POSTs a signed JSON body to the
channel's `config["outgoing_webhook_url"]`. Provider adapters (Instagram, Telegram...) are
added to `default_adapters()` as they are written; a kind without one is recorded on the
message as `no_adapter` by the job that delivers it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.analytics.crisis import SIGNATURE_HEADER, sign
from pasokh.channels.models import Channel
from pasokh.customers.models import ContactIdentity
from pasokh.customers.service import _CHANNEL_IDENTITY_KIND
from pasokh.inbox.models import Conversation, Message

DELIVERY_HEADER = "X-Pasokh-Delivery"
# Receivers slow to answer hold a worker (and, on SQLite, the write lock): keep it short.
TIMEOUT_SECONDS = 5.0
Post = Callable[[str, bytes, dict[str, str]], int]


@dataclass(frozen=True)
class Outgoing:
    """What a provider needs to send one reply, read from the database."""

    message_id: int
    conversation_id: int
    workspace_id: int
    channel_key: str
    text: str
    is_public: bool
    sent_at: datetime
    # The customer's id on this channel (the identity of the channel's kind), if known.
    recipient: str | None


@dataclass(frozen=True)
class Delivery:
    """The outcome worth recording: `sent`, `rejected` (do not retry) or `not_configured`."""

    state: str
    detail: str = ""


class DeliveryFailed(Exception):
    """A failure worth retrying (network error, HTTP 5xx, 408, 429)."""


class ChannelAdapter(Protocol):
    def send(self, *, channel: Channel, outgoing: Outgoing, now: datetime) -> Delivery: ...


def outgoing_of(*, session: Session, message: Message) -> Outgoing:
    """Gather the reply, its channel key and the customer's address for an adapter."""
    conversation = session.get(Conversation, message.conversation_id)
    channel = session.get(Channel, message.channel_id)
    assert conversation is not None and channel is not None
    recipient = session.scalar(
        select(ContactIdentity.value)
        .where(ContactIdentity.contact_id == conversation.contact_id,
               ContactIdentity.kind == _CHANNEL_IDENTITY_KIND.get(channel.kind, channel.kind))
        .order_by(ContactIdentity.id).limit(1))
    return Outgoing(message_id=message.id, conversation_id=conversation.id,
                    workspace_id=message.workspace_id, channel_key=channel.key,
                    text=message.text, is_public=message.is_public, sent_at=message.sent_at,
                    recipient=recipient)


def _httpx_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import httpx

    try:
        return httpx.post(url, content=body, headers=headers,
                          timeout=TIMEOUT_SECONDS).status_code
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"Could not reach {url}: {type(exc).__name__}: {exc}") from exc


class WebhookAdapter:
    """The `api` channel: POST the reply, signed like every Pasokh webhook, to the integrator."""

    def __init__(self, post: Post = _httpx_post) -> None:
        self._post = post

    def send(self, *, channel: Channel, outgoing: Outgoing, now: datetime) -> Delivery:
        """Deliver one reply; raise DeliveryFailed when a retry may succeed."""
        config: dict[str, Any] = channel.config or {}
        url, secret = config.get("outgoing_webhook_url"), config.get("outgoing_webhook_secret")
        if not url or not secret:
            return Delivery("not_configured", "Set outgoing_webhook_url and "
                            "outgoing_webhook_secret in the channel's config to deliver "
                            "replies.")
        body = json.dumps({
            "event": "message.outbound", "message_id": outgoing.message_id,
            "conversation_id": outgoing.conversation_id,
            "workspace_id": outgoing.workspace_id, "channel": outgoing.channel_key,
            "recipient": outgoing.recipient, "text": outgoing.text,
            "is_public": outgoing.is_public, "sent_at": outgoing.sent_at.isoformat(),
        }, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   SIGNATURE_HEADER: sign(str(secret), body, int(now.timestamp())),
                   # The same value on every retry: the receiver drops duplicates by it.
                   DELIVERY_HEADER: f"message-{outgoing.message_id}"}
        status = self._post(str(url), body, headers)
        if 200 <= status < 300:
            return Delivery("sent", f"HTTP {status}")
        if status >= 500 or status in (408, 429):
            raise DeliveryFailed(f"The webhook answered HTTP {status}; retrying later.")
        return Delivery("rejected", f"The webhook refused the reply with HTTP {status}.")


def default_adapters(post: Post | None = None) -> dict[str, ChannelAdapter]:
    """The adapters this installation has, by channel kind."""
    return {"api": WebhookAdapter(post) if post else WebhookAdapter()}
