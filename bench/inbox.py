"""Server time and query count of the agent desk pages, demo or large workspace.

    .venv/bin/python -m bench.inbox [--database-url URL] [--runs 30] [--extra 0] [--reuse]

Seeds the bilingual demo (plus `--extra` synthetic conversations, bulk-inserted, for a
large workspace), logs in as the demo agent and times the inbox views, a Persian search
and one conversation page in-process (the ASGI app, without network): median and p95 in
ms and the SELECT statements per page view. Pages are requested round-robin so a busy
machine slows them all alike. A PostgreSQL database is emptied first (DROP SCHEMA public),
so its name must contain "bench"; `--reuse` measures an already seeded database as it is
(to compare two versions of the code on the same data).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, insert, make_url, select, text

from pasokh import migrate
from pasokh.app import create_app
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.db import Database, utcnow
from pasokh.demo.seed import FIRST, LAST, PASSWORD, SLUG, seed_demo
from pasokh.inbox.models import Conversation, Message
from pasokh.settings import Settings
from pasokh.users.models import Team, User
from pasokh.workspaces.models import Workspace

# Letter variants and ZWNJ on purpose: search must find «سفارش» / «مي‌خواهم» either way.
PHRASES = ("سفارش من هنوز نرسیده", "مي‌خواهم سفارشم را لغو كنم", "کد پیگیری ارسال نشد",
           "قیمت این محصول چند است؟", "ممنون از پاسخ سریع شما", "کالا آسیب دیده رسید",
           "کی موجود می‌شود؟", "رمز عبورم را فراموش کرده‌ام", "where is my parcel?")
STATUSES = ("open",) * 12 + ("pending",) * 2 + ("snoozed",) + ("resolved",) * 5
PRIORITIES = ("urgent", "high", "normal", "low")


def add_synthetic(db: Database, count: int, seed: int = 20) -> None:
    """`count` conversations of three messages each, straight into the tables."""
    rng = random.Random(seed)
    now = utcnow()
    with db.write() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == SLUG)).one()
        channels = session.scalars(select(Channel.id).where(Channel.workspace_id == ws.id)).all()
        agents = session.scalars(select(User.id).where(User.workspace_id == ws.id,
                                                       User.role == "agent")).all()
        teams = session.scalars(select(Team.id).where(Team.workspace_id == ws.id)).all()
        for start in range(0, count, 2000):
            size = min(2000, count - start)
            contacts = session.scalars(insert(Contact).returning(
                Contact.id, sort_by_parameter_order=True), [
                {"workspace_id": ws.id,
                 "display_name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {start + i}"}
                for i in range(size)]).all()
            rows = []
            for i, contact_id in enumerate(contacts):
                at = now - timedelta(minutes=rng.randrange(60 * 24 * 90))
                status = rng.choice(STATUSES)
                rank = rng.randrange(4)
                rows.append({
                    "workspace_id": ws.id, "channel_id": channels[i % len(channels)],
                    "contact_id": contact_id, "status": status,
                    "subject": rng.choice(PHRASES), "priority": PRIORITIES[rank],
                    "priority_rank": rank, "assignee_id": rng.choice([None, *agents]),
                    "team_id": rng.choice([None, *teams]),
                    "waiting_since": None if status == "resolved" or i % 3 == 0 else at,
                    "first_message_at": at, "last_message_at": at + timedelta(minutes=30),
                    "resolved_at": at + timedelta(hours=2) if status == "resolved" else None,
                    "message_count": 3})
            ids = session.scalars(insert(Conversation).returning(
                Conversation.id, sort_by_parameter_order=True), rows).all()
            messages = []
            for row, cid in zip(rows, ids, strict=True):
                for k, (direction, sender) in enumerate(
                        (("inbound", "contact"), ("outbound", "agent"), ("inbound", "contact"))):
                    at = row["first_message_at"] + timedelta(minutes=15 * k)
                    messages.append({
                        "workspace_id": ws.id, "conversation_id": cid,
                        "channel_id": row["channel_id"], "direction": direction,
                        "sender_type": sender,
                        "sender_contact_id": row["contact_id"] if sender == "contact" else None,
                        "text": f"{rng.choice(PHRASES)} ({cid}-{k})", "sent_at": at,
                        "created_at": at})
            session.execute(insert(Message), messages)
        session.commit()


def fresh_database(url: str | None) -> str:
    """A new SQLite file, or the PostgreSQL bench database emptied."""
    if url is None:
        return f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    if url.startswith("postgresql"):
        name = make_url(url).database or ""
        if "bench" not in name:
            raise SystemExit(f"refusing to empty '{name}': use a database named *bench*")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url


def measure(client: TestClient, db: Database, urls: list[str], runs: int
            ) -> list[dict[str, Any]]:
    """Request each URL `runs` times, round-robin; median, p95 and SELECTs per page."""
    selects = [0]
    me = threading.get_ident()

    def count(*args: Any) -> None:
        if threading.get_ident() != me and \
                str(args[2]).lstrip().upper().startswith(("SELECT", "WITH")):
            selects[0] += 1

    timings: dict[str, list[float]] = {u: [] for u in urls}
    counts: dict[str, list[int]] = {u: [] for u in urls}
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(runs + 3):
            for url in urls:
                selects[0] = 0
                started = time.perf_counter()
                response = client.get(url)
                timings[url].append((time.perf_counter() - started) * 1000)
                counts[url].append(selects[0])
                assert response.status_code == 200, response.text[:300]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    report = []
    for url in urls:
        t = sorted(timings[url][3:])  # the first requests warm caches and templates
        report.append({"url": url, "median_ms": round(statistics.median(t), 1),
                       "p95_ms": round(t[max(0, round(len(t) * 0.95) - 1)], 1),
                       "selects": max(counts[url][3:])})
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help="default: a new SQLite file; PostgreSQL: a database named *bench*")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--extra", type=int, default=0,
                        help="synthetic conversations to add (20000 = a large workspace)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the seeded database as it is (no reset, no seeding)")
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        raise SystemExit("--reuse needs --database-url")
    url = args.database_url if args.reuse else fresh_database(args.database_url)
    db = Database(url)
    if not args.reuse:
        migrate.upgrade(db.write_engine)
        started = time.perf_counter()
        seed_demo(db)
        if args.extra:
            add_synthetic(db, args.extra)
        print(f"seeded in {time.perf_counter() - started:.1f} s")
    # No job runner: its polling would be counted and would compete for the CPU.
    app = create_app(Settings(environment="development", database_url=url, run_jobs=False),
                     db=db)
    with TestClient(app) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        client.post("/login", data={"workspace": SLUG, "email": "sara@narenj.example",
                                    "password": PASSWORD, "csrf": csrf.group(1)})
        with db.read() as session:
            total = session.query(Conversation).count()
            first = session.scalar(select(Conversation.id).where(Conversation.status == "open")
                                   .order_by(Conversation.priority_rank,
                                             Conversation.id).limit(1))
        print(f"{db.dialect}, {total} conversations, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        pages = ["/inbox", "/inbox?view=mine", "/inbox?view=review", "/inbox?view=all&status=all",
                 "/inbox?q=سفارش", "/inbox?q=ميخواهم", f"/conversations/{first}"]
        for row in measure(client, db, pages, args.runs):
            print(f"{row['url']:<32} median {row['median_ms']:7.1f} ms   "
                  f"p95 {row['p95_ms']:7.1f} ms   {row['selects']:3d} SELECTs")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    db.dispose()


if __name__ == "__main__":
    main()
