"""Server time and query count of the agent desk pages on the demo workspace.

    .venv/bin/python -m bench.inbox [--database-url URL] [--runs 30] [--extra 0]

Seeds the bilingual demo (plus `--extra` synthetic open conversations for a large
workspace), logs in as the demo agent and times GET /inbox and GET /conversations/{id}
in-process (the ASGI app, without network), printing median and p95 in ms and the number
of SELECT statements per page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from pasokh import migrate
from pasokh.app import create_app
from pasokh.channels.models import Channel
from pasokh.customers.models import Contact
from pasokh.db import Database, utcnow
from pasokh.demo.seed import PASSWORD, SLUG, seed_demo
from pasokh.inbox.models import Conversation, Message
from pasokh.settings import Settings
from pasokh.workspaces.models import Workspace


def add_synthetic(db: Database, count: int) -> None:
    """Open conversations straight into the tables: a large workspace, quickly."""
    now = utcnow()
    with db.write() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == SLUG)).one()
        channel = session.scalars(select(Channel).where(Channel.workspace_id == ws.id)).first()
        assert channel is not None
        for i in range(count):
            contact = Contact(workspace_id=ws.id, display_name=f"مشتری {i}")
            session.add(contact)
            session.flush()
            at = now - timedelta(minutes=i % 5000)
            conv = Conversation(workspace_id=ws.id, channel_id=channel.id, contact_id=contact.id,
                                subject=f"پیام آزمایشی {i}", priority=("urgent", "high",
                                                                       "normal", "low")[i % 4],
                                priority_rank=i % 4, waiting_since=at, first_message_at=at,
                                last_message_at=at, message_count=1)
            session.add(conv)
            session.flush()
            session.add(Message(workspace_id=ws.id, conversation_id=conv.id,
                                channel_id=channel.id, direction="inbound",
                                sender_type="contact", sender_contact_id=contact.id,
                                text=f"پیام آزمایشی شماره {i}", sent_at=at, created_at=at))
        session.commit()


def measure(client: TestClient, db: Database, url: str, runs: int) -> dict[str, Any]:
    selects: list[int] = []

    def count(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            selects[-1] += 1

    timings = []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(runs + 3):
            selects.append(0)
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:300]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    timings = sorted(timings[3:])  # the first requests warm caches and templates
    return {"url": url, "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            "selects": max(selects[3:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--extra", type=int, default=0)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database(url)
    migrate.upgrade(db.write_engine)
    started = time.perf_counter()
    seed_demo(db)
    if args.extra:
        add_synthetic(db, args.extra)
    print(f"seeded in {time.perf_counter() - started:.1f} s ({db.dialect})")
    app = create_app(Settings(environment="development", database_url=url), db=db)
    with TestClient(app) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        client.post("/login", data={"workspace": SLUG, "email": "sara@narenj.example",
                                    "password": PASSWORD, "csrf": csrf.group(1)})
        with db.read() as session:
            total = session.query(Conversation).count()
            first = session.scalar(select(Conversation.id).where(Conversation.status == "open")
                                   .order_by(Conversation.priority_rank).limit(1))
        print(f"conversations: {total}")
        for page in ("/inbox", "/inbox?view=all&status=all", "/inbox?q=سفارش",
                     f"/conversations/{first}"):
            print(measure(client, db, page, args.runs))


if __name__ == "__main__":
    main()
