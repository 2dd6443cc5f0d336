"""Server time of the analytics dashboard on a workspace with 1,000,000 messages.

    .venv/bin/python -m bench.metrics [--messages 1000000] [--backend sqlite|postgresql|both]
                                      [--postgres-url URL] [--runs 3]

Seeds one workspace with `--messages` messages (5 per conversation, over 365 days: customer,
bot or agent, customer, agent, customer; 92 % resolved; 5 % reopened once; one in ten
public) straight into the tables, derives the dashboard's conversation facts and turns
(`analytics.facts.rebuild`, as migration 0004 does), then times the dashboard's queries
in-process (no HTTP): the page's full set for the last 30 days by day, the same for the
whole year by Jalali month, and each table on its own. Prints JSON (seconds; the 30-day
figures are the median of `--runs`, the whole-year ones a single run).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

import pasokh.models  # noqa: F401  # every table registered before seeding
from pasokh import migrate
from pasokh.analytics.dashboard import build_dashboard
from pasokh.analytics.facts import rebuild
from pasokh.analytics.periods import buckets
from pasokh.analytics.report import DEFAULT_TABLES, build_tables
from pasokh.analytics.sql import Scope
from pasokh.db import Base, Database

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATEGORIES = ("question", "complaint", "technical", "feedback", "request", "other")
PRIORITIES = ("urgent", "high", "normal", "normal", "low")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_metrics"
BATCH = 20_000


def _workspace(db: Database) -> tuple[int, list[int], list[int]]:
    from pasokh.channels.service import do_create_channel
    from pasokh.users.service import do_create_user
    from pasokh.workspaces.service import do_create_workspace

    with db.write() as s:
        ws = do_create_workspace(session=s, slug="bench", name="بنچ")
        channels = [do_create_channel(session=s, workspace=ws, kind=k, key=k, name=k).id
                    for k in ("instagram", "telegram", "webchat", "email", "whatsapp")]
        agents = [do_create_user(session=s, workspace=ws, email=f"a{i}@bench.example",
                                 name=f"agent {i}", password="bench-password-1",
                                 role="agent").id for i in range(8)]
        s.commit()
        return ws.id, channels, agents


def _rows(ws: int, channels: list[int], agents: list[int], conversations: int,
          rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row to insert, table by table order within each conversation."""
    message_id = 0
    for cid in range(1, conversations + 1):
        start = NOW - timedelta(days=rng.uniform(0, 365))
        channel = channels[cid % len(channels)]
        public = channel == channels[0] and cid % 2 == 0
        category = rng.choice(CATEGORIES)
        tone = rng.uniform(-1, 1)
        agent = rng.choice(agents)
        bot = rng.random() < 0.2
        frt = timedelta(minutes=rng.choice((2, 8, 20, 45, 90, 240, 600)))
        resolved = rng.random() < 0.92
        steps = [(timedelta(0), "contact"), (timedelta(minutes=1) if bot else frt,
                                             "bot" if bot else "agent"),
                 (frt + timedelta(minutes=5), "contact"), (frt + timedelta(minutes=25), "agent"),
                 (frt + timedelta(minutes=30), "contact")]
        first_human = start + (frt + timedelta(minutes=25) if bot else frt)
        last = start + steps[-1][0]
        yield "contacts", {"id": cid, "workspace_id": ws, "display_name": f"c{cid}",
                           "created_at": start, "updated_at": start}
        yield "conversations", {
            "id": cid, "workspace_id": ws, "channel_id": channel, "contact_id": cid,
            "status": "resolved" if resolved else "open", "is_public": public,
            "subject": "", "priority": (p := rng.choice(PRIORITIES)),
            "priority_rank": PRIORITIES.index(p) if p != "low" else 3, "category": category,
            "sentiment": "negative" if tone < -0.3 else "positive" if tone > 0.3 else "neutral",
            "language": "fa", "assignee_id": agent, "first_message_at": start,
            "last_message_at": last, "first_response_at": first_human if first_human <= NOW
            else None, "resolved_at": last + timedelta(minutes=30) if resolved else None,
            "message_count": 5, "created_at": start, "updated_at": last}
        for offset, who in steps:
            message_id += 1
            at = start + offset
            inbound = who == "contact"
            yield "messages", {
                "id": message_id, "workspace_id": ws, "conversation_id": cid,
                "channel_id": channel, "direction": "inbound" if inbound else "outbound",
                "kind": "message", "sender_type": who,
                "sender_contact_id": cid if inbound else None,
                "sender_user_id": agent if who == "agent" else None,
                "text": "سلام، سفارشم کی میرسه؟" if inbound else "در حال بررسی است.",
                "is_public": public, "reach": 0, "sent_at": at, "created_at": at, "metadata": {}}
            if inbound:
                yield "triage_decisions", {
                    "id": message_id, "workspace_id": ws, "message_id": message_id,
                    "conversation_id": cid, "category": category, "category_confidence": 0.9,
                    "sentiment": "negative" if tone < -0.3 else "positive" if tone > 0.3
                    else "neutral", "sentiment_score": tone, "priority": p, "language": "fa",
                    "confidence": 0.9, "reasons": [], "needs_review": False,
                    "model_version": "bench", "trace": [], "created_at": at}
        if resolved and cid % 20 == 0:
            for action in ("conversation.resolved", "conversation.open"):
                yield "audit_events", {"workspace_id": ws, "action": action,
                                       "target_type": "conversation", "target_id": str(cid),
                                       "details": {}, "created_at": last}


def seed(db: Database, messages: int) -> dict[str, Any]:
    """Fill the workspace; returns its id and the row counts."""
    ws, channels, agents = _workspace(db)
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    order = ("contacts", "conversations", "messages", "triage_decisions", "audit_events")
    pending: dict[str, list[dict[str, Any]]] = {name: [] for name in order}
    counts: dict[str, float] = dict.fromkeys(order, 0)
    rng = random.Random(1405)

    def flush(conn: Any) -> None:
        for name in order:  # parents first: foreign keys hold within each batch
            if pending[name]:
                conn.execute(tables[name].insert(), pending[name])
                counts[name] += len(pending[name])
                pending[name] = []

    with db.write_engine.begin() as conn:
        for i, (name, row) in enumerate(_rows(ws, channels, agents, messages // 5, rng)):
            pending[name].append(row)
            if i % BATCH == BATCH - 1:
                flush(conn)
        flush(conn)
        if db.dialect == "postgresql":
            for name in order:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
    # The rows went in raw, past ingest and the inbox actions that keep the dashboard's
    # facts: derive them the way migration 0004 does for an existing database (the tests
    # hold that pass equal to the per-message hooks).
    t0 = time.perf_counter()
    with db.write_engine.begin() as conn:
        rebuild(conn)
    counts["facts_s"] = round(time.perf_counter() - t0, 1)
    # What autovacuum does to a live database: statistics, and (PostgreSQL) the visibility
    # map that lets index-only scans skip the table.
    with db.write_engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE" if db.dialect == "postgresql" else "ANALYZE"))
    if db.dialect == "sqlite":  # one huge load transaction left a huge WAL: fold it in
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"workspace_id": ws, **counts}


def _time(fn: Callable[[], object], runs: int) -> float:
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        took.append(time.perf_counter() - t0)
    return round(statistics.median(took), 3)


def measure(db: Database, workspace_id: int, runs: int) -> dict[str, Any]:
    """Median seconds of the dashboard and of each table."""
    month = Scope(workspace_id=workspace_id, now=NOW, buckets=buckets(
        start=NOW - timedelta(days=30), end=NOW, grain="day", calendar="jalali"))
    year = replace(month, buckets=buckets(start=NOW - timedelta(days=365), end=NOW,
                                          grain="month", calendar="jalali"))

    def dashboard(scope: Scope) -> Callable[[], object]:
        def run() -> object:  # as the page does: concurrent read sessions
            return build_dashboard(scope=scope, sessions=db.read)
        return run

    def table(name: str, scope: Scope) -> Callable[[], object]:
        def run() -> object:
            with db.read() as session:
                return build_tables(session=session, scope=scope, names=[name])
        return run

    return {
        "dashboard_30_days_by_day_s": _time(dashboard(month), runs),
        "dashboard_365_days_by_month_s": _time(dashboard(year), 1),
        "api_default_tables_30_days_s": _time(lambda: _api(db, month), runs),
        "tables_30_days_s": {n: _time(table(n, month), runs) for n in DEFAULT_TABLES},
        "tables_365_days_s": {n: _time(table(n, year), 1) for n in DEFAULT_TABLES},
    }


def _api(db: Database, scope: Scope) -> object:
    with db.read() as session:
        return build_tables(session=session, scope=scope, names=list(DEFAULT_TABLES))


def _fresh_pg(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def run(backend: str, messages: int, runs: int, pg_url: str) -> dict[str, Any]:
    """Seed a fresh database of `backend` and measure it."""
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="pasokh-bench-")) / "metrics.db"
        db = Database(f"sqlite:///{path}")
    else:
        _fresh_pg(pg_url)
        db = Database(pg_url)
    migrate.upgrade(db.write_engine)
    t0 = time.perf_counter()
    counts = seed(db, messages)
    seeded = round(time.perf_counter() - t0, 1)
    result = {"backend": backend, "messages": counts["messages"],
              "conversations": counts["conversations"], "seed_s": seeded,
              "of_which_facts_s": counts["facts_s"],
              **measure(db, counts["workspace_id"], runs)}
    db.dispose()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=PG_DEFAULT)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.messages < 5:
        sys.exit("--messages must be at least 5 (one conversation).")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = [run(b, args.messages, args.runs, args.postgres_url) for b in backends]
    print(json.dumps({"results": results}, ensure_ascii=False, indent=2))

if __name__ == "__main__":
    main()
