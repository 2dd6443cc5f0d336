"""Routing's cast: a desk of agents, a scripted triage, and a way to let customers write in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from pasokh.customers.service import SenderIdentity
from pasokh.inbox.models import Conversation
from pasokh.ingest.service import InboundMessage, do_ingest
from pasokh.routing.config import get_profile
from pasokh.workspaces.models import Workspace
from tests.conftest import World

TEHRAN = ZoneInfo("Asia/Tehran")
# A Saturday in Mehr 1405, a month with no public holiday: the desk is open.
SATURDAY_10 = datetime(2026, 10, 17, 10, 0, tzinfo=TEHRAN)


@dataclass
class Outcome:
    """What the scripted triage says about a message."""

    category: str = "question"
    priority: str = "normal"
    language: str = "fa"
    sentiment: str = "neutral"
    category_confidence: float = 0.9
    sentiment_score: float = 0.0
    confidence: float = 0.9
    reasons: list[str] = field(default_factory=lambda: ["scripted"])
    needs_review: bool = False
    model_version: str = "scripted-1"

    def as_dict(self) -> dict[str, Any]:
        return {"trace": []}


class ScriptedTriager:
    """Triage that reads its verdict from the text: 'urgent technical en: ...'."""

    def triage_message(self, text: str, **context: Any) -> Outcome:
        head = text.split(":", 1)[0].split()
        outcome = Outcome()
        for word in head:
            if word in ("urgent", "high", "normal", "low"):
                outcome.priority = word
            elif word in ("feedback", "complaint", "question", "technical", "request", "other"):
                outcome.category = word
            elif word in ("fa", "en"):
                outcome.language = word
            elif word in ("positive", "neutral", "negative"):
                outcome.sentiment = word
        return outcome


Write = Callable[..., Conversation]


@pytest.fixture
def write_in(session: Session, world: World) -> Write:
    """Let a customer write; returns the conversation after ingest and routing."""
    counter = iter(range(1, 1_000_000))

    def write(text: str, *, channel: str = "webchat", customer: str | None = None,
              now: datetime = SATURDAY_10, is_public: bool = False) -> Conversation:
        n = next(counter)
        result = do_ingest(
            session=session, workspace_id=world.workspace_id,
            inbound=InboundMessage(
                channel_key=channel, text=text, is_public=is_public,
                sender=SenderIdentity(external_id=customer or f"c{n}@example.com"),
                provider_message_id=f"m{n}"),
            triager=ScriptedTriager(), max_chars=10_000, now=now)
        conversation = session.get(Conversation, result.message.conversation_id)
        assert conversation is not None
        return conversation

    return write


def desk(session: Session, world: World, *agents: tuple[str, dict[str, Any]]) -> dict[str, int]:
    """Create agents (users with profiles) online now; returns name -> user id."""
    from pasokh.users.service import do_create_user

    workspace = session.get(Workspace, world.workspace_id)
    ids = {}
    for name, profile in agents:
        user = do_create_user(session=session, workspace=workspace,  # type: ignore[arg-type]
                              email=f"{name}@desk.example", name=name,
                              password="agent-password-1", role="agent")
        row = get_profile(session=session, workspace_id=world.workspace_id, user_id=user.id)
        row.presence = "online"
        for key, value in profile.items():
            setattr(row, key, value)
        ids[name] = user.id
    session.flush()
    return ids
