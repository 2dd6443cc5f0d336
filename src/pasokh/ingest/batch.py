"""Store many inbound messages in one transaction with a fixed number of statements.

The per-message cost of ingest is dominated by round trips and ORM bookkeeping, not by
the database: a dozen statements per message cap the API at a few hundred messages a
second. Here a batch of N messages, from any workspaces and channels, costs about fifteen
set-based statements whatever N is; the Python work per message is the triage itself and
folding it into the conversation's queue position.

Same semantics as storing the messages one by one, in order: a later message in the
batch sees the contact and conversation an earlier one created, and a repeated provider
id inside the batch is a retry of the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pasokh.analytics.facts import record_inbound_many
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact, ContactIdentity
from pasokh.customers.service import SenderIdentity, identities_of
from pasokh.db import insert_ids, padded
from pasokh.errors import Conflict, NotFound, PasokhError, PayloadTooLarge
from pasokh.inbox.models import Conversation, Message, TriageDecision
from pasokh.ingest.protocols import TriageOutcome, Triager, prepare_texts
from pasokh.jobs.models import OutboxJob
from pasokh.surveys.models import Survey
from pasokh.surveys.service import do_record_answer, match_survey_reply
from pasokh.ttl import TTLCache
from pasokh.types import PRIORITY_RANK

REPEAT_WINDOW = timedelta(days=7)
ROUTE_JOB = "route"

# Core tables: executemany with RETURNING, no identity map, no per-row unit of work.
_CONVERSATIONS = cast(Table, Conversation.__table__)
_MESSAGES = cast(Table, Message.__table__)
_DECISIONS = cast(Table, TriageDecision.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_IDENTITIES = cast(Table, ContactIdentity.__table__)
_JOBS = cast(Table, OutboxJob.__table__)


@dataclass(frozen=True)
class InboundMessage:
    """One customer message as any channel adapter hands it over."""

    channel_key: str
    text: str
    sender: SenderIdentity
    provider_message_id: str | None = None
    is_public: bool = False
    reach: int = 0
    sent_at: datetime | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class Delivery:
    """An inbound message addressed to a workspace, stamped with its arrival time."""

    workspace_id: int
    inbound: InboundMessage
    received_at: datetime


@dataclass(frozen=True)
class Stored:
    """What ingest did with one delivery: a new message, or the retry of a stored one."""

    workspace_id: int
    message_id: int
    conversation_id: int
    contact_id: int | None
    channel_id: int
    channel_key: str
    channel_kind: str
    created: bool
    created_at: datetime
    sent_at: datetime
    outcome: TriageOutcome | None = None


Result = Stored | PasokhError


def fingerprint(inbound: InboundMessage) -> str:
    """What must match for a second delivery to count as the same message."""
    sender = inbound.sender
    canonical = json.dumps(
        [inbound.channel_key, inbound.text, sender.external_id, sender.phone, sender.email],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_text(text: str, *, max_chars: int) -> None:
    """Refuse a message longer than the workspace accepts, saying the limit."""
    if len(text) > max_chars:
        raise PayloadTooLarge(
            f"The message text is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Split it or shorten it.",
            fa=f"متن پیام {len(text):,} نویسه است و سقف آن {max_chars:,}؛ آن را کوتاه یا "
            "چند پاره کنید."
        )


def reused_id(provider_message_id: str) -> Conflict:
    return Conflict(
        f"The id '{provider_message_id[:80]}' was already used for a different message on "
        "this channel; use a new id (or Idempotency-Key) for a new message.",
        fa=f"شناسهٔ «{provider_message_id[:80]}» پیش‌تر برای پیام دیگری در این کانال به کار "
        "رفته است؛ برای پیام تازه شناسه (یا Idempotency-Key) تازه بفرستید.")


def unknown_channel(key: str) -> NotFound:
    return NotFound(f"This workspace has no active channel '{key[:64]}'; create it first "
                    "or check the spelling.",
                    fa=f"این فضای کاری کانال فعالی به نام «{key[:64]}» ندارد؛ اول آن را "
                    "بسازید یا املایش را بررسی کنید.")


@dataclass(frozen=True)
class _Channel:
    id: int
    kind: str
    key: str


class ChannelCache(TTLCache[tuple[int, str], _Channel]):
    """Active channels seen recently, so a batch rarely needs to look them up.

    Only hits are kept, for `ttl` seconds: a new channel works at once, and a channel
    switched off stops accepting messages within `ttl` seconds.
    """

    def __init__(self, ttl: float = 5.0) -> None:
        super().__init__(ttl)


@dataclass
class _Contact:
    id: int | None  # None until inserted
    workspace_id: int
    is_vip: bool
    display_name: str
    new: bool = False
    rename_to: str | None = None
    # Conversations this contact opened earlier in the batch: repeat contacts too.
    opened: list[_Conversation] = field(default_factory=list)


@dataclass
class _Conversation:
    """A conversation's queue state, folded message by message in Python."""

    id: int | None
    workspace_id: int
    channel_id: int
    contact: _Contact
    status: str
    is_public: bool
    subject: str
    priority: str
    priority_rank: int
    category: str | None
    sentiment: str | None
    language: str | None
    waiting_since: datetime | None
    first_message_at: datetime
    last_message_at: datetime
    created_at: datetime
    added: int = 0
    new: bool = False
    touched: bool = False


@dataclass
class _Item:
    index: int
    delivery: Delivery
    digest: str
    channel: _Channel
    contact: _Contact | None = None
    conversation: _Conversation | None = None
    outcome: TriageOutcome | None = None
    duplicate_of: int | None = None  # index of an earlier item in the batch
    retry_of: int | None = None  # a message stored before: this delivery is a retry
    stored: dict[str, Any] = field(default_factory=dict)
    stored_id: int | None = None  # the message this batch inserted
    survey: Survey | None = None  # the survey this message answers with a bare score
    prepared: Any = None  # the text's triage so far (Triager.prepare), or None


def do_ingest_many(*, session: Session, deliveries: Sequence[Delivery], triager: Triager,
                   max_chars: int, route_jobs: bool = True,
                   channels: ChannelCache | None = None,
                   prepared: Sequence[Any] | None = None) -> list[Result]:
    """Store each delivery once, in order; return a Stored or the error for each.

    Runs in the caller's transaction (the caller commits, then acknowledges). An error
    for one delivery (unknown channel, reused id, text too long) never affects the others.
    With `route_jobs`, each new message queues a "route" job in the same transaction, so
    routing happens after the acknowledgement and survives a crash. `prepared` is
    `prepare_deliveries(triager, deliveries)`, done before the transaction began.
    """
    session.flush()
    conn = session.connection()
    results: list[Result | None] = [None] * len(deliveries)
    items = _admit(conn, deliveries, results, max_chars, channels or ChannelCache(0))
    _find_retries(conn, items, results)
    fresh = [i for i in items if results[i.index] is None and i.duplicate_of is None
             and i.retry_of is None]
    _resolve_contacts(conn, fresh)
    answers = _survey_answers(session, conn, fresh)
    if prepared is None:
        todo = fresh + answers
        for item, p in zip(todo, prepare_deliveries(triager, [i.delivery for i in todo],
                                                    max_chars) or (), strict=False):
            item.prepared = p
    else:
        for item in fresh + answers:
            item.prepared = prepared[item.index]
    fresh = [i for i in fresh if i.survey is None]
    repeats = _open_conversations(conn, fresh)
    for item in fresh:
        _triage(item, triager, repeats)
    _write(conn, fresh, route_jobs)
    record_inbound_many(conn, [
        (i.conversation.id, i.delivery.inbound.sent_at or i.delivery.received_at,
         i.outcome.sentiment_score) for i in fresh
        if i.conversation is not None and i.conversation.id is not None
        and i.outcome is not None])
    for item in answers:
        _store_answer(session, conn, item, triager)
    for item in items:
        if results[item.index] is not None:
            continue
        if item.retry_of is not None:
            results[item.index] = _retry_of(item, item.retry_of, item.stored)
        elif item.duplicate_of is not None:
            first = results[item.duplicate_of]
            if isinstance(first, Stored):
                results[item.index] = _retry_of(item, first.message_id, {
                    "conversation_id": first.conversation_id, "contact_id": first.contact_id,
                    "created_at": first.created_at, "sent_at": first.sent_at})
            else:
                results[item.index] = first
        else:
            results[item.index] = _stored(item)
    return [r for r in results if r is not None]


def _admit(conn: Connection, deliveries: Sequence[Delivery], results: list[Result | None],
           max_chars: int, cache: ChannelCache) -> list[_Item]:
    """Check sizes and channels; what passes becomes an item to store."""
    channels: dict[tuple[int, str], _Channel] = {}
    for d in deliveries:
        key = (d.workspace_id, d.inbound.channel_key)
        if (hit := cache.get(key)) is not None:
            channels[key] = hit
    missing = {(d.workspace_id, d.inbound.channel_key) for d in deliveries} - channels.keys()
    if missing:
        rows = conn.execute(
            select(Channel.id, Channel.workspace_id, Channel.key, Channel.kind)
            .where(tuple_(Channel.workspace_id, Channel.key).in_(padded(sorted(missing))),
                   Channel.is_active.is_(True)))
        for r in rows:
            channels[(r.workspace_id, r.key)] = found = _Channel(r.id, r.kind, r.key)
            cache.put((r.workspace_id, r.key), found)
    items = []
    for index, delivery in enumerate(deliveries):
        inbound = delivery.inbound
        try:
            check_text(inbound.text, max_chars=max_chars)
            channel = channels.get((delivery.workspace_id, inbound.channel_key))
            if channel is None:
                raise unknown_channel(inbound.channel_key)
        except PasokhError as error:
            results[index] = error
            continue
        items.append(_Item(index=index, delivery=delivery, digest=fingerprint(inbound),
                           channel=channel))
    return items


def _find_retries(conn: Connection, items: list[_Item], results: list[Result | None]) -> None:
    """Mark deliveries whose provider id was stored before, or earlier in this batch."""
    wanted = {(i.channel.id, i.delivery.inbound.provider_message_id) for i in items
              if i.delivery.inbound.provider_message_id}
    known: dict[tuple[int, str | None], Any] = {}
    if wanted:
        m = Message
        for found in conn.execute(
                select(m.id, m.channel_id, m.provider_message_id, m.payload_hash,
                       m.conversation_id, m.sender_contact_id, m.created_at, m.sent_at)
                .where(tuple_(m.channel_id, m.provider_message_id).in_(padded(sorted(wanted))))):
            known[(found.channel_id, found.provider_message_id)] = found
    first_in_batch: dict[tuple[int, str], _Item] = {}
    for item in items:
        provider_id = item.delivery.inbound.provider_message_id
        if not provider_id:
            continue
        key = (item.channel.id, provider_id)
        row: Any = known.get(key)
        if row is not None:
            if row.payload_hash not in (None, item.digest):
                results[item.index] = reused_id(provider_id)
            else:
                item.retry_of = row.id
                item.stored = {"conversation_id": row.conversation_id,
                               "contact_id": row.sender_contact_id,
                               "created_at": row.created_at, "sent_at": row.sent_at}
        elif key in first_in_batch:
            first = first_in_batch[key]
            if first.digest != item.digest:
                results[item.index] = reused_id(provider_id)
            else:
                item.duplicate_of = first.index
        else:
            first_in_batch[key] = item


def _resolve_contacts(conn: Connection, items: list[_Item]) -> None:
    """The contact behind each sender; unknown senders become new contacts.

    The channel's own identity wins when identities disagree; identities seen for the
    first time are attached to the contact found (see customers.service).
    """
    pairs_of = {i.index: [(i.delivery.workspace_id, k, v) for k, v in identities_of(
        i.delivery.inbound.sender, channel_kind=i.channel.kind)] for i in items}
    wanted = sorted({p for pairs in pairs_of.values() for p in pairs})
    by_pair: dict[tuple[int, str, str], _Contact] = {}
    if wanted:
        ci = ContactIdentity
        rows = conn.execute(
            select(ci.workspace_id, ci.kind, ci.value, Contact.id, Contact.is_vip,
                   Contact.display_name)
            .join(Contact, Contact.id == ci.contact_id)
            .where(tuple_(ci.workspace_id, ci.kind, ci.value).in_(padded(wanted)))).all()
        contacts: dict[int, _Contact] = {}
        for r in rows:
            contact = contacts.setdefault(r.id, _Contact(
                id=r.id, workspace_id=r.workspace_id, is_vip=r.is_vip,
                display_name=r.display_name))
            by_pair[(r.workspace_id, r.kind, r.value)] = contact
    new_contacts: list[_Contact] = []
    new_identities: list[tuple[_Contact, str, str]] = []
    for item in items:
        pairs = pairs_of[item.index]
        sender = item.delivery.inbound.sender
        found = next((by_pair[p] for p in pairs if p in by_pair), None)
        if found is None:
            found = _Contact(id=None, workspace_id=item.delivery.workspace_id, is_vip=False,
                             display_name=(sender.name or pairs[0][2])[:200], new=True)
            new_contacts.append(found)
        elif sender.name and found.display_name in {v for _, _, v in pairs}:
            found.display_name = found.rename_to = sender.name[:200]  # a name beats an id
        for pair in pairs:
            if pair not in by_pair:
                by_pair[pair] = found
                new_identities.append((found, pair[1], pair[2]))
        item.contact = found
    if new_contacts:
        now = items[0].delivery.received_at
        ids = insert_ids(conn, _CONTACTS, [
            {"workspace_id": c.workspace_id, "display_name": c.display_name,
             "is_vip": False, "created_at": now, "updated_at": now} for c in new_contacts])
        for contact, new_id in zip(new_contacts, ids, strict=True):
            contact.id = new_id
    if new_identities:
        now = items[0].delivery.received_at
        conn.execute(insert(_IDENTITIES), [
            {"workspace_id": c.workspace_id, "contact_id": c.id, "kind": kind, "value": value,
             "created_at": now} for c, kind, value in new_identities])
    renames = {c.id: c.rename_to for c in by_pair.values() if c.rename_to and not c.new}
    if renames:
        conn.execute(update(_CONTACTS).where(_CONTACTS.c.id == bindparam("_id"))
                     .values(display_name=bindparam("_name")),
                     [{"_id": cid, "_name": name} for cid, name in renames.items()])


def _survey_answers(session: Session, conn: Connection, items: list[_Item]) -> list[_Item]:
    """Messages that answer a waiting survey with a bare score ("5", «عالی»).

    They belong to the surveyed conversation, which stays resolved, instead of opening a
    new one nobody needs to answer (see surveys.service.match_survey_reply). With no
    survey waiting for these senders this is one indexed query for the whole batch.
    """
    pairs = sorted({(i.contact.id, i.channel.id) for i in items if i.contact is not None
                    and i.contact.id is not None and not i.contact.new})
    if not pairs:
        return []
    waiting = {(r.contact_id, r.channel_id) for r in conn.execute(
        select(Survey.contact_id, Survey.channel_id).where(
            Survey.status == "sent",
            tuple_(Survey.contact_id, Survey.channel_id).in_(padded(pairs))))}
    answers: list[_Item] = []
    for item in items:
        assert item.contact is not None and item.contact.id is not None
        key = (item.contact.id, item.channel.id)
        if key not in waiting:
            continue
        waiting.discard(key)  # only the first reply in the batch can be the answer
        item.survey = match_survey_reply(
            session=session, workspace_id=item.delivery.workspace_id,
            contact_id=item.contact.id, channel_id=item.channel.id,
            text=item.delivery.inbound.text,
            sent_at=item.delivery.inbound.sent_at or item.delivery.received_at)
        if item.survey is not None:
            answers.append(item)
    return answers


def prepare_deliveries(triager: Triager, deliveries: Sequence[Delivery], max_chars: int
                       ) -> list[Any] | None:
    """The text-only part of triage for each delivery, None for a text over `max_chars`
    (refused anyway); None for all when the triager cannot prepare."""
    fits = [i for i, d in enumerate(deliveries) if len(d.inbound.text) <= max_chars]
    done = prepare_texts(triager, [(deliveries[i].inbound.text, deliveries[i].workspace_id)
                                   for i in fits])
    if done is None:
        return None
    out: list[Any] = [None] * len(deliveries)
    for i, p in zip(fits, done, strict=True):
        out[i] = p
    return out


def _triage_in_context(triager: Triager, item: _Item, *, is_vip: bool,
                       waiting_seconds: float, repeat_contacts: int) -> TriageOutcome:
    inbound = item.delivery.inbound
    extra = {} if item.prepared is None else {"prepared": item.prepared}
    return triager.triage_message(
        inbound.text, workspace_id=item.delivery.workspace_id, channel=item.channel.kind,
        is_public=inbound.is_public, reach=inbound.reach, is_vip=is_vip,
        waiting_seconds=waiting_seconds, repeat_contacts=repeat_contacts, **extra)


def _store_answer(session: Session, conn: Connection, item: _Item, triager: Triager) -> None:
    """Store a survey answer in the surveyed conversation and record its score."""
    survey, contact, inbound = item.survey, item.contact, item.delivery.inbound
    assert survey is not None and contact is not None
    item.outcome = _triage_in_context(triager, item, is_vip=contact.is_vip,
                                      waiting_seconds=0.0, repeat_contacts=0)
    item.conversation = _Conversation(
        id=survey.conversation_id, workspace_id=survey.workspace_id,
        channel_id=item.channel.id, contact=contact, status="resolved",
        is_public=inbound.is_public, subject="", priority="normal", priority_rank=2,
        category=None, sentiment=None, language=None, waiting_since=None,
        first_message_at=item.delivery.received_at,
        last_message_at=item.delivery.received_at, created_at=item.delivery.received_at)
    [item.stored_id] = conn.execute(
        insert(_MESSAGES).returning(_MESSAGES.c.id), [_message_row(item)]).scalars().all()
    conn.execute(insert(_DECISIONS), [_decision_row(item)])
    conn.execute(update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == survey.conversation_id)
                 .values(message_count=_CONVERSATIONS.c.message_count + 1))
    message = session.get_one(Message, item.stored_id)
    do_record_answer(session=session, survey=survey, message=message)
    record_inbound_many(conn, [(survey.conversation_id, message.sent_at, None)])


def _open_conversations(conn: Connection, items: list[_Item]
                        ) -> dict[int, list[tuple[int, datetime]]]:
    """Each message joins its contact's open conversation on the channel, or opens one.

    Returns, per known contact, the conversations opened in the repeat window (id and
    creation time): one query finds both.
    """
    known = {i.contact.id: i.contact for i in items if i.contact is not None
             and i.contact.id is not None and not i.contact.new}
    wanted = {(i.channel.id, i.contact.id) for i in items if i.contact is not None
              and i.contact.id in known}
    open_: dict[tuple[int, int], _Conversation] = {}
    recent: dict[int, list[tuple[int, datetime]]] = {}
    if known:
        since = min(i.delivery.received_at for i in items) - REPEAT_WINDOW
        c = Conversation
        # Locked in id order: a concurrent writer (an agent's reply, another worker)
        # waits for this transaction instead of overwriting the counts it folds.
        rows = conn.execute(
            select(c.id, c.workspace_id, c.channel_id, c.contact_id, c.status, c.is_public,
                   c.subject, c.priority, c.priority_rank, c.category, c.sentiment,
                   c.language, c.waiting_since, c.first_message_at, c.last_message_at,
                   c.created_at)
            .where(c.contact_id.in_(padded(sorted(known))),
                   or_(c.status != "resolved", c.created_at >= since))
            .order_by(c.id).with_for_update())
        for r in rows:
            if r.created_at >= since:
                recent.setdefault(r.contact_id, []).append((r.id, r.created_at))
            if r.status == "resolved" or (r.channel_id, r.contact_id) not in wanted:
                continue
            open_[(r.channel_id, r.contact_id)] = _Conversation(
                id=r.id, workspace_id=r.workspace_id, channel_id=r.channel_id,
                contact=known[r.contact_id], status=r.status, is_public=r.is_public,
                subject=r.subject, priority=r.priority, priority_rank=r.priority_rank,
                category=r.category, sentiment=r.sentiment, language=r.language,
                waiting_since=r.waiting_since, first_message_at=r.first_message_at,
                last_message_at=r.last_message_at, created_at=r.created_at)
    for item in items:
        assert item.contact is not None and item.contact.id is not None
        key = (item.channel.id, item.contact.id)
        conversation = open_.get(key)
        if conversation is None:
            now = item.delivery.received_at
            conversation = _Conversation(
                id=None, workspace_id=item.delivery.workspace_id, channel_id=item.channel.id,
                contact=item.contact, status="open", is_public=item.delivery.inbound.is_public,
                subject=item.delivery.inbound.text[:300], priority="normal",
                priority_rank=PRIORITY_RANK["normal"], category=None, sentiment=None,
                language=None, waiting_since=None, first_message_at=now, last_message_at=now,
                created_at=now, new=True)
            open_[key] = conversation
        item.conversation = conversation
    return recent


def _triage(item: _Item, triager: Triager,
            recent: dict[int, list[tuple[int, datetime]]]) -> None:
    """Triage in the conversation's context, then fold the result into its queue state."""
    conversation, contact = item.conversation, item.contact
    assert conversation is not None and contact is not None and contact.id is not None
    now = item.delivery.received_at
    waiting = (now - conversation.waiting_since).total_seconds() \
        if conversation.waiting_since else 0.0
    since = now - REPEAT_WINDOW
    repeat = sum(1 for cid, created in recent.get(contact.id, [])
                 if cid != conversation.id and created >= since)
    repeat += sum(1 for c in contact.opened if c is not conversation)
    outcome = _triage_in_context(triager, item, is_vip=contact.is_vip,
                                 waiting_seconds=waiting, repeat_contacts=repeat)
    item.outcome = outcome
    _fold(conversation, outcome, now)


def _fold(conversation: _Conversation, outcome: TriageOutcome, now: datetime) -> None:
    """A new inbound message's triage moves the conversation in the queue."""
    if conversation.new and conversation.added == 0:
        conversation.contact.opened.append(conversation)
    if conversation.waiting_since is None:
        conversation.waiting_since = now
        conversation.priority = outcome.priority
    elif PRIORITY_RANK[outcome.priority] < conversation.priority_rank:
        conversation.priority = outcome.priority  # escalate, never silently de-escalate
    conversation.priority_rank = PRIORITY_RANK[conversation.priority]
    if outcome.category != "other" or conversation.category is None:
        conversation.category = outcome.category
    conversation.sentiment = outcome.sentiment
    conversation.language = outcome.language
    if conversation.status in ("pending", "snoozed"):
        conversation.status = "open"
    conversation.last_message_at = max(conversation.last_message_at, now)
    conversation.added += 1
    conversation.touched = True


def _write(conn: Connection, items: list[_Item], route_jobs: bool) -> None:
    """Insert conversations, messages, decisions and jobs; update the conversations."""
    if not items:
        return
    conversations: list[_Conversation] = []
    seen: set[int] = set()
    for item in items:
        assert item.conversation is not None
        if id(item.conversation) not in seen:
            seen.add(id(item.conversation))
            conversations.append(item.conversation)
    new = [c for c in conversations if c.new]
    if new:
        ids = insert_ids(conn, _CONVERSATIONS, [_conversation_row(c) for c in new])
        for conversation, new_id in zip(new, ids, strict=True):
            conversation.id = new_id
    message_ids = insert_ids(conn, _MESSAGES, [_message_row(i) for i in items])
    for item, message_id in zip(items, message_ids, strict=True):
        item.stored_id = message_id
    conn.execute(insert(_DECISIONS), [_decision_row(i) for i in items])
    old = [c for c in conversations if not c.new]
    if old:
        t = _CONVERSATIONS
        conn.execute(
            update(t).where(t.c.id == bindparam("_id")).values(
                status=bindparam("_status"), priority=bindparam("_priority"),
                priority_rank=bindparam("_rank"), category=bindparam("_category"),
                sentiment=bindparam("_sentiment"), language=bindparam("_language"),
                waiting_since=bindparam("_waiting"), last_message_at=bindparam("_last"),
                snoozed_until=None, message_count=t.c.message_count + bindparam("_added"),
                updated_at=bindparam("_last")),
            [{"_id": c.id, "_status": c.status, "_priority": c.priority,
              "_rank": c.priority_rank, "_category": c.category, "_sentiment": c.sentiment,
              "_language": c.language, "_waiting": c.waiting_since,
              "_last": c.last_message_at, "_added": c.added} for c in old])
    if route_jobs:
        conn.execute(insert(_JOBS), [
            {"workspace_id": i.delivery.workspace_id, "kind": ROUTE_JOB,
             "payload": {"conversation_id": i.conversation.id if i.conversation else None,
                         "message_id": i.stored_id,
                         "at": i.delivery.received_at.isoformat()},
             "dedupe_key": f"{ROUTE_JOB}:{i.stored_id}", "status": "queued", "attempts": 0,
             "max_attempts": 8, "run_after": i.delivery.received_at, "locked_until": None,
             "last_error": None, "created_at": i.delivery.received_at,
             "updated_at": i.delivery.received_at} for i in items])


def _conversation_row(c: _Conversation) -> dict[str, Any]:
    return {"workspace_id": c.workspace_id, "channel_id": c.channel_id,
            "contact_id": c.contact.id, "status": c.status, "is_public": c.is_public,
            "subject": c.subject, "priority": c.priority, "priority_rank": c.priority_rank,
            "category": c.category, "sentiment": c.sentiment, "language": c.language,
            "waiting_since": c.waiting_since, "first_message_at": c.first_message_at,
            "last_message_at": c.last_message_at, "message_count": c.added,
            "created_at": c.created_at, "updated_at": c.last_message_at}


def _message_row(item: _Item) -> dict[str, Any]:
    inbound, now = item.delivery.inbound, item.delivery.received_at
    assert item.conversation is not None and item.contact is not None
    return {"workspace_id": item.delivery.workspace_id,
            "conversation_id": item.conversation.id, "channel_id": item.channel.id,
            "direction": "inbound", "kind": "message", "sender_type": "contact",
            "sender_contact_id": item.contact.id, "sender_user_id": None,
            "text": inbound.text, "is_public": inbound.is_public,
            "provider_message_id": inbound.provider_message_id, "payload_hash": item.digest,
            "reach": inbound.reach, "sent_at": inbound.sent_at or now, "created_at": now,
            "metadata": inbound.metadata or {}}


def _decision_row(item: _Item) -> dict[str, Any]:
    o = item.outcome
    assert o is not None and item.conversation is not None
    return {"workspace_id": item.delivery.workspace_id, "message_id": item.stored_id,
            "conversation_id": item.conversation.id, "category": o.category,
            "category_confidence": o.category_confidence, "sentiment": o.sentiment,
            "sentiment_score": o.sentiment_score, "priority": o.priority,
            "language": o.language, "confidence": o.confidence, "reasons": list(o.reasons),
            "needs_review": o.needs_review, "model_version": o.model_version,
            "trace": o.as_dict().get("trace", []), "created_at": item.delivery.received_at,
            "corrected_category": None, "corrected_sentiment": None,
            "corrected_priority": None, "corrected_by_id": None, "corrected_at": None}


def _stored(item: _Item) -> Stored:
    assert item.stored_id is not None and item.conversation is not None
    assert item.conversation.id is not None and item.contact is not None
    inbound = item.delivery.inbound
    return Stored(workspace_id=item.delivery.workspace_id, message_id=item.stored_id,
                  conversation_id=item.conversation.id,
                  contact_id=item.contact.id, channel_id=item.channel.id,
                  channel_key=item.channel.key, channel_kind=item.channel.kind, created=True,
                  created_at=item.delivery.received_at,
                  sent_at=inbound.sent_at or item.delivery.received_at, outcome=item.outcome)


def _retry_of(item: _Item, message_id: int, stored: dict[str, Any]) -> Stored:
    return Stored(workspace_id=item.delivery.workspace_id, message_id=message_id,
                  conversation_id=stored["conversation_id"],
                  contact_id=stored["contact_id"], channel_id=item.channel.id,
                  channel_key=item.channel.key, channel_kind=item.channel.kind,
                  created=False, created_at=stored["created_at"], sent_at=stored["sent_at"])


