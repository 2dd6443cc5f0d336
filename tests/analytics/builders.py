"""Build conversations whose metrics are known by construction.

A script is a list of (minute, who, text?) steps after `start`: who is "c" (customer), "a"
(agent sara), "a2" (agent reza), "b" (bot), "n" (internal note), "resolve" or "reopen".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.analytics.facts import record_inbound
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.inbox.actions import do_note, do_reply, do_set_status
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.users.models import User
from tests.conftest import World

T0 = datetime(2026, 3, 21, 6, 0, tzinfo=UTC)  # 1405/01/01 09:30 in Tehran (Nowruz)
Step = tuple[float, str] | tuple[float, str, str]


@dataclass
class Cast:
    """The world's rows the builders need, loaded once per test."""

    session: Session
    world: World

    def channel(self, key: str) -> Channel:
        return self.session.scalars(select(Channel).where(
            Channel.workspace_id == self.world.workspace_id, Channel.key == key)).one()

    def user(self, name: str) -> User:
        user = self.session.get(User, self.world.users[name])
        assert user is not None
        return user

    def contact(self, name: str = "") -> Contact:
        contact = Contact(workspace_id=self.world.workspace_id, display_name=name)
        self.session.add(contact)
        self.session.flush()
        return contact


def inbound(cast: Cast, conversation: Conversation, at: datetime, text: str = "سلام",
            *, sentiment: float = 0.0, category: str = "question",
            public: bool | None = None) -> Message:
    """Store a customer message with a triage decision (sentiment score as given)."""
    label = "positive" if sentiment > 0.2 else "negative" if sentiment < -0.2 else "neutral"
    message = Message(
        workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        channel_id=conversation.channel_id, direction="inbound", kind="message",
        sender_type="contact", sender_contact_id=conversation.contact_id, text=text,
        is_public=conversation.is_public if public is None else public, sent_at=at,
        created_at=at)
    cast.session.add(message)
    cast.session.flush()
    cast.session.add(TriageDecision(
        workspace_id=conversation.workspace_id, message_id=message.id,
        conversation_id=conversation.id, category=category, category_confidence=0.9,
        sentiment=label, sentiment_score=sentiment, priority=conversation.priority,
        language="fa", confidence=0.9, model_version="test"))
    conversation.last_message_at = at
    conversation.message_count += 1
    if conversation.waiting_since is None:
        conversation.waiting_since = at
    # As ingest does once the message and its decision are stored.
    record_inbound(cast.session, conversation_id=conversation.id, sent_at=at,
                   sentiment_score=sentiment)
    return message


def thread(cast: Cast, steps: list[Step], *, start: datetime = T0, channel: str = "telegram-bot",
           priority: str = "normal", category: str = "question", contact: Contact | None = None,
           public: bool = False, sentiment: float = 0.0, team_id: int | None = None
           ) -> Conversation:
    """Play a script into a new conversation and return it."""
    contact = contact or cast.contact()
    ch = cast.channel(channel)
    first = start + timedelta(minutes=steps[0][0]) if steps else start
    conversation = Conversation(
        workspace_id=ch.workspace_id, channel_id=ch.id, contact_id=contact.id, status="open",
        is_public=public, priority=priority, category=category, first_message_at=first,
        last_message_at=first, team_id=team_id,
        sentiment="negative" if sentiment < -0.2 else "positive" if sentiment > 0.2
        else "neutral")
    cast.session.add(conversation)
    cast.session.flush()
    for step in steps:
        at = start + timedelta(minutes=step[0])
        who = step[1]
        text = step[2] if len(step) > 2 else "ok"  # type: ignore[misc]
        if who == "c":
            inbound(cast, conversation, at, text, sentiment=sentiment, category=category)
        elif who in ("a", "a2", "b"):
            author = None if who == "b" else cast.user("sara" if who == "a" else "reza")
            conversation.assignee_id = author.id if author else conversation.assignee_id
            do_reply(session=cast.session, conversation=conversation, author=author, text=text,
                     at=at, deliver=False, by_bot=who == "b")
        elif who == "n":
            do_note(session=cast.session, conversation=conversation, author=cast.user("sara"),
                    text=text, at=at)
        else:
            do_set_status(session=cast.session, conversation=conversation,
                          status="resolved" if who == "resolve" else "open",
                          actor=cast.user("sara"), at=at)
        cast.session.flush()
    return conversation
