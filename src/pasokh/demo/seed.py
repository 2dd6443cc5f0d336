"""The bilingual demo workspace: a month of conversations at «نارنج», an online marketplace.

Threads were written for this project (threads.json); single comments come from the
project's own triage corpus. Every inbound message goes through the real ingest path, so
contacts, conversations and triage decisions are exactly what production would store.

Conversations still open or pending are from the last two days: a pending one waits on the
customer or on another team, not a month-old backlog. Resolved private conversations were
surveyed an hour after resolution (the workspace asked NPS in the first half of the month,
CES for a week, and CSAT since); about 45 % of customers answered with a bare score, which
went through ingest like any message and was recorded against its survey.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.channels.service import do_create_channel
from pasokh.customers.models import Contact
from pasokh.customers.service import SenderIdentity
from pasokh.db import Database, utcnow
from pasokh.inbox.actions import do_correct_triage, do_note, do_reply, do_set_status
from pasokh.inbox.models import Conversation
from pasokh.ingest.service import InboundMessage, Triager, do_ingest
from pasokh.replies.models import ReplyTemplate
from pasokh.routing.config import get_profile
from pasokh.routing.handback import do_set_presence
from pasokh.surveys.models import Survey
from pasokh.surveys.service import do_send_due_surveys
from pasokh.surveys.settings import PRIVATE_KINDS
from pasokh.users.models import User
from pasokh.users.service import do_create_team, do_create_user
from pasokh.workspaces.models import Workspace
from pasokh.workspaces.service import do_create_workspace

HERE = Path(__file__).parent
SLUG = "narenj"
PASSWORD = "pasokh-demo"
CHANNELS = {  # thread channel -> (key, kind, name)
    "instagram": ("instagram", "instagram", "اینستاگرام @narenj.shop"),
    "telegram": ("telegram", "telegram", "ربات تلگرام"),
    "whatsapp": ("whatsapp", "whatsapp", "واتس‌اپ پشتیبانی"),
    "webchat": ("webchat", "webchat", "گفت‌وگوی سایت"),
    "email": ("email", "email", "support@narenj.example"),
    "sms": ("sms", "sms", "پیامک ۳۰۰۰۱۲۳"),
    "phone": ("phone", "phone", "مرکز تماس ۰۲۱-۹۱۰۰"),
}
STAFF = [  # (name, email, role, locale)
    ("مریم توکلی", "admin@narenj.example", "admin", "fa"),
    ("رضا سلطانی", "supervisor@narenj.example", "supervisor", "fa"),
    ("سارا احمدی", "sara@narenj.example", "agent", "fa"),
    ("علی رحیمی", "ali@narenj.example", "agent", "fa"),
    ("نگار موسوی", "negar@narenj.example", "agent", "fa"),
    ("Daniel Weber", "daniel@narenj.example", "agent", "en"),
    ("نیما کاظمی", "analyst@narenj.example", "analyst", "fa"),
]
FIRST = ["سارا", "مریم", "زهرا", "فاطمه", "نازنین", "الهام", "مهسا", "نرگس", "شیوا", "لیلا",
         "رضا", "علی", "محمد", "حسین", "امیر", "مهدی", "پویا", "آرش", "کاوه", "بهرام",
         "نیلوفر", "پریسا", "سمیرا", "هستی", "یاسمن", "میلاد", "سینا", "بابک", "فرهاد", "کیان"]
LAST = ["احمدی", "محمدی", "حسینی", "رضایی", "کریمی", "موسوی", "جعفری", "کاظمی", "رحیمی",
        "صادقی", "نوری", "شریفی", "اکبری", "قاسمی", "طاهری", "یزدانی", "فراهانی", "تهرانی"]
FIRST_EN = ["Emma", "Liam", "Sophie", "Noah", "Hannah", "Lucas", "Mia", "Omar", "Yuki", "Ana"]
LAST_EN = ["Smith", "Müller", "Rossi", "Khan", "Tanaka", "Silva", "Dubois", "Novak"]
LATIN = {"سارا": "sara", "مریم": "maryam", "زهرا": "zahra", "فاطمه": "fatemeh", "رضا": "reza",
         "علی": "ali", "محمد": "mohammad", "امیر": "amir", "مهدی": "mahdi", "پویا": "pouya"}
TEAMS = {"پشتیبانی فنی": [3, 4], "مالی و پرداخت": [2, 3], "سفارش و ارسال": [2, 4],
         "English desk": [5]}
TEMPLATES = [
    ("پیگیری سفارش", "fa", "complaint", "سلام {{customer.first_name}} عزیز، وقتتون بخیر. "
     "سفارشتون رو پیگیری کردم و {{ticket.number}} براش ثبت شد؛ تا پایان امروز خبرتون میکنم. "
     "{{agent.name}} از نارنج"),
    ("کسر وجه بدون سفارش", "fa", "technical", "سلام، نگران نباشید. مبالغی که کسر شده ولی "
     "سفارش ثبت نشده، حداکثر تا ۷۲ ساعت کاری به حسابتون برمیگرده. اگر برنگشت همینجا خبر بدید."),
    ("ساعت کاری", "fa", "question", "سلام! پشتیبانی نارنج شنبه تا چهارشنبه ۸ تا ۲۰ و پنجشنبه "
     "۸ تا ۱۴ پاسخگوست. ارسال همان‌روز برای سفارش‌های قبل از ساعت ۱۲ تهران انجام میشه."),
    ("تشکر از بازخورد", "fa", "feedback", "ممنون از لطفتون {{customer.first_name}} جان 🌸 "
     "نظرتون رو به تیم مربوط رسوندیم."),
    ("Order follow-up", "en", "complaint", "Hi {{customer.first_name}}, I'm sorry about the "
     "delay. I've opened {{ticket.number}} and will update you by the end of today. "
     "— {{agent.name}}, Narenj"),
    ("Opening hours", "en", "question", "Hi! Our support team is available Saturday to "
     "Wednesday 8:00–20:00 and Thursday 8:00–14:00 (Tehran time)."),
]
GENERIC_REPLIES = {
    "fa": {
        "complaint": ["سلام وقتتون بخیر، بابت این تجربه واقعا عذرخواهی میکنیم. لطفا شماره سفارش "
                      "رو دایرکت بفرستید تا همین الان پیگیری کنیم.",
                      "سلام، حق با شماست. موضوع رو به واحد ارسال گزارش دادیم و همکارانم باهاتون "
                      "تماس میگیرن."],
        "technical": ["سلام، لطفا نسخه اپ و مدل گوشی‌تون رو بفرستید تا بررسی کنیم.",
                      "سلام، مشکل از سمت درگاه بوده و برطرف شده. لطفا دوباره امتحان کنید 🙏"],
        "question": ["سلام، بله موجوده و ارسالش به همه شهرها انجام میشه.",
                     "سلام وقت بخیر، جزئیات کامل رو در صفحه محصول گذاشتیم؛ "
                     "هر سوالی بود در خدمتیم."],
        "request": ["سلام، ممنون از پیشنهادتون. لطفا به ایمیل partners@narenj.example بفرستید."],
    },
    "en": {
        "complaint": ["Hi, I'm really sorry about this. Could you DM us your order number so we "
                      "can sort it out today?"],
        "technical": ["Hi, thanks for reporting this. Could you tell us your app version and "
                      "phone model?"],
        "question": ["Hi! Yes, it's in stock and we ship to all cities."],
        "request": ["Thanks for reaching out! Please email partners@narenj.example."],
    },
}


@dataclass
class _Seeder:
    session: Session
    workspace: Workspace
    triager: Triager
    rng: random.Random
    agents: dict[str, list[User]]
    counter: int = 0

    def new_sender(self, channel: str, lang: str) -> SenderIdentity:
        self.counter += 1
        if lang == "en":
            name = f"{self.rng.choice(FIRST_EN)} {self.rng.choice(LAST_EN)}"
            handle = name.split()[0].lower()
        else:
            first = self.rng.choice(FIRST)
            name = f"{first} {self.rng.choice(LAST)}"
            handle = LATIN.get(first, "user")
        phone = f"0912{self.rng.randrange(10**7):07d}"
        ids = {
            "instagram": f"{handle}.{self.counter}{self.rng.randrange(90) + 10}",
            "telegram": str(10_000_000 + self.rng.randrange(90_000_000)),
            "webchat": f"visitor-{self.rng.randrange(16**8):08x}",
            "email": f"{handle}{self.counter}@mail.example",
        }
        external = ids.get(channel, phone)
        return SenderIdentity(external_id=external, name=name,
                              phone=phone if channel in ("webchat", "telegram") else None)

    def ingest(self, channel: str, text: str, sender: SenderIdentity, public: bool,
               at: datetime) -> Conversation:
        inbound = InboundMessage(channel_key=CHANNELS[channel][0], text=text, sender=sender,
                                 provider_message_id=f"demo-{self.counter}-{at.timestamp()}",
                                 is_public=public, reach=self.rng.choice([0, 0, 12, 85, 340]),
                                 sent_at=at)
        result = do_ingest(session=self.session, workspace_id=self.workspace.id, inbound=inbound,
                           triager=self.triager, max_chars=10_000, now=at)
        conversation = self.session.get(Conversation, result.message.conversation_id)
        assert conversation is not None
        return conversation

    def agent_for(self, lang: str) -> User:
        return self.rng.choice(self.agents["en" if lang == "en" else "fa"])

    def survey(self, channel: str, conversation: Conversation, sender: SenderIdentity,
               now: datetime) -> None:
        """Ask a resolved private conversation's survey; the customer may answer it."""
        resolved = conversation.resolved_at
        if (resolved is None or conversation.first_response_at is None or conversation.is_public
                or CHANNELS[channel][1] not in PRIVATE_KINDS):
            return
        age = now - resolved
        kind = "nps" if age > timedelta(days=15) else "ces" if age > timedelta(days=8) else "csat"
        send_at = resolved + timedelta(minutes=60)
        if send_at >= now:
            return
        self.session.add(Survey(workspace_id=self.workspace.id, conversation_id=conversation.id,
                                contact_id=conversation.contact_id,
                                channel_id=conversation.channel_id, kind=kind,
                                status="scheduled", send_after=send_at))
        self.session.flush()
        do_send_due_surveys(session=self.session, workspace=self.workspace, now=send_at,
                            deliver=False)
        answer_at = send_at + timedelta(minutes=self.rng.choice([2, 10, 45, 180]))
        if self.rng.random() >= 0.45 or answer_at >= now:
            return
        unhappy = conversation.sentiment == "negative"
        score = self.rng.choice(SCORES[kind][unhappy])
        text = str(score) if conversation.language == "en" else \
            str(score).translate(PERSIAN_DIGITS)
        self.ingest(channel, text, sender, False, answer_at)


# Scores a customer gives, by survey kind and by whether the conversation read negative.
SCORES = {
    "csat": {False: [5, 5, 5, 4, 4, 4, 3, 2], True: [4, 3, 3, 2, 2, 1, 1, 5]},
    "nps": {False: [10, 10, 9, 9, 9, 8, 8, 7, 6, 3], True: [9, 8, 7, 6, 5, 4, 2, 0, 10, 3]},
    "ces": {False: [7, 7, 6, 6, 6, 5, 4], True: [6, 5, 4, 3, 3, 2, 1]},
}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _business_time(rng: random.Random, days_ago: float, now: datetime) -> datetime:
    """A moment `days_ago` ago, nudged into Tehran's waking hours (UTC+3:30)."""
    base = now - timedelta(days=days_ago)
    hour_utc = rng.choice([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    at = base.replace(hour=hour_utc, minute=rng.randrange(60), second=rng.randrange(60))
    return min(at, now - timedelta(minutes=rng.randrange(5, 90)))


def _seed_thread(s: _Seeder, thread: dict[str, Any], now: datetime) -> None:
    lang = thread["lang"]
    recent = thread["outcome"] in ("open", "pending")
    at = _business_time(s.rng, s.rng.uniform(0, 2) if recent else s.rng.uniform(2, 30), now)
    sender = s.new_sender(thread["channel"], lang)
    agent = s.agent_for(lang)
    conversation: Conversation | None = None
    for turn in thread["turns"]:
        if turn["from"] == "customer":
            conversation = s.ingest(thread["channel"], turn["text"], sender, thread["public"], at)
        elif conversation is not None and turn["from"] == "agent":
            conversation.assignee_id = agent.id
            do_reply(session=s.session, conversation=conversation, author=agent,
                     text=turn["text"], at=at, deliver=False)
        elif conversation is not None:
            do_note(session=s.session, conversation=conversation, author=agent,
                    text=turn["text"], at=at)
        at = min(at + timedelta(minutes=s.rng.choice([3, 8, 15, 40, 95, 240])), now)
    assert conversation is not None
    if thread["outcome"] in ("resolved", "pending"):
        do_set_status(session=s.session, conversation=conversation, status=thread["outcome"],
                      actor=agent, at=at)
    if thread["outcome"] == "resolved":
        s.survey(thread["channel"], conversation, sender, now)


def _corpus_comments(rng: random.Random, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((HERE.parent / "triage" / "corpus").glob("*.jsonl")):
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip())
    rng.shuffle(rows)
    fa = [r for r in rows if r["lang"] in ("fa", "fa-latn")][: int(count * 0.75)]
    en = [r for r in rows if r["lang"] == "en"][: count - len(fa)]
    return fa + en


def _seed_comment(s: _Seeder, row: dict[str, Any], now: datetime) -> None:
    lang = "en" if row["lang"] == "en" else "fa"
    channel = row["channel"] if row["channel"] in CHANNELS else "instagram"
    # One comment in ten still waits: most came in during the last few hours, a few
    # are a day or two old (the queue a centre really has); the rest are a month's history.
    waiting = s.rng.random() < 0.1
    days_ago = min(s.rng.expovariate(1 / 0.25), 2.0) if waiting else s.rng.uniform(2, 30)
    at = _business_time(s.rng, days_ago, now)
    sender = s.new_sender(channel, lang)
    conversation = s.ingest(channel, row["text"], sender, bool(row.get("public")), at)
    if waiting:
        return
    category = row["category"]
    agent = s.agent_for(lang)
    _correct_if_wrong(s, conversation, row, agent, at)
    replies = GENERIC_REPLIES[lang].get(category)
    if replies:
        conversation.assignee_id = agent.id
        reply_at = min(at + timedelta(minutes=s.rng.choice([4, 12, 35, 80, 300])), now)
        do_reply(session=s.session, conversation=conversation, author=agent,
                 text=s.rng.choice(replies), at=reply_at, deliver=False)
    do_set_status(session=s.session, conversation=conversation, status="resolved", actor=agent,
                  at=min(at + timedelta(hours=s.rng.choice([1, 3, 20])), now))
    s.survey(channel, conversation, sender, now)


def _correct_if_wrong(s: _Seeder, conversation: Conversation, row: dict[str, Any],
                      agent: User, at: datetime) -> None:
    """Where the model's category or priority differs from the row's human label, the
    agent who handled it corrected it about half the time: the corrections a centre
    collects for retraining (`pasokh triage corrections`)."""
    wrong = {f: row[f] for f in ("category", "priority")
             if row.get(f) and getattr(conversation, f) != row[f]}
    if wrong and s.rng.random() < 0.5:
        do_correct_triage(session=s.session, conversation=conversation, actor=agent,
                          at=at + timedelta(minutes=s.rng.choice([2, 5, 15])), **wrong)


def logins() -> list[str]:
    """The demo's log-in lines, as printed by `pasokh serve --demo`."""
    return [f"workspace {SLUG} · {email} / {PASSWORD} ({role})"
            for _name, email, role, _locale in STAFF]


def seed_demo(db: Database, *, triager: Triager | None = None, comments: int = 260,
              seed: int = 1405) -> list[str]:
    """Create the demo workspace once (a second call changes nothing); return log-in lines."""
    with db.write() as session:
        if session.scalar(select(Workspace.id).where(Workspace.slug == SLUG)) is not None:
            return logins()
    if triager is None:
        from pasokh.app import rules_source
        from pasokh.ingest.triager import WorkspaceTriager

        triager = WorkspaceTriager.load(None, rules_source(db))
    assert triager is not None
    rng = random.Random(seed)
    now = utcnow()
    threads = json.loads((HERE / "threads.json").read_text(encoding="utf-8"))
    with db.write() as session:
        workspace = do_create_workspace(session=session, slug=SLUG, name="فروشگاه نارنج")
        for key, kind, name in CHANNELS.values():
            do_create_channel(session=session, workspace=workspace, kind=kind, key=key,
                              name=name)
        staff = [do_create_user(session=session, workspace=workspace, email=email, name=name,
                                password=PASSWORD, role=role, locale=locale)
                 for name, email, role, locale in STAFF]
        for team, members in TEAMS.items():
            do_create_team(session=session, workspace=workspace, name=team,
                           members=[staff[i] for i in members])
        for name, locale, category, body in TEMPLATES:
            session.add(ReplyTemplate(workspace_id=workspace.id, name=name, locale=locale,
                                      category=category, body=body, created_by_id=staff[1].id))
        session.commit()
    agents = {"fa": [u for u in staff if u.role == "agent" and u.locale == "fa"],
              "en": [u for u in staff if u.role == "agent" and u.locale == "en"]}
    items: list[tuple[str, dict[str, Any]]] = [("thread", t) for t in threads]
    items += [("comment", c) for c in _corpus_comments(rng, comments)]
    rng.shuffle(items)
    with db.write() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.slug == SLUG)).one()
        seeder = _Seeder(session=session, workspace=workspace, triager=triager, rng=rng,
                         agents=agents)
        for kind, item in items:
            if kind == "thread":
                _seed_thread(seeder, item, now)
            else:
                _seed_comment(seeder, item, now)
            session.flush()
        for contact in session.scalars(select(Contact).where(
                Contact.workspace_id == workspace.id)).all():
            contact.is_vip = rng.random() < 0.05
        session.commit()
        _start_the_shift(session, workspace.id, [*agents["fa"], *agents["en"]], now)
        session.commit()
    return logins()


def _start_the_shift(session: Session, workspace_id: int, agents: list[User],
                     now: datetime) -> None:
    """Two Persian agents and the English one come online; the router hands them the most
    urgent waiting work their languages and capacity allow (the third Persian agent is away,
    so part of the queue stays unassigned for a supervisor to see)."""
    for i, agent in enumerate(agents):
        profile = get_profile(session=session, workspace_id=workspace_id, user_id=agent.id)
        profile.languages = ["en"] if agent.locale == "en" else ["fa"]
        profile.capacity = 24  # units: a chat is 3, a DM 2, an e-mail 1; pending work counts
        session.flush()
        do_set_presence(session=session, profile=profile,
                        presence="away" if i == 2 else "online", now=now)
