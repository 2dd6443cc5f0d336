"""Assignment decision latency: 200 agents, 10,000 open conversations, SQLite and PostgreSQL.

    .venv/bin/python bench/routing.py [--decisions 2000] [--backend both] [--pg-db NAME]

For each database: migrate a fresh schema, insert one workspace with 200 online agents
(mixed skills, languages and capacities, about a third of capacity already in use) and
10,000 open conversations waiting in the queue (mixed priority, category, language and
channel). Then time, one decision at a time:

- `decision`: the full decision as ingest makes it: a conversation needs an agent
  (routing.service.do_dispatch: choose the least-loaded skilled agent with room from the
  process's snapshot, lock and re-read that agent, give them the head of their line, store
  the decision and its audit event) **and the commit**. After each timed decision, an
  untimed transaction resolves the conversation just assigned (inbox do_set_status), so
  load stays near a third of capacity and the next decision has to re-read that agent,
  as it would in production; the snapshot's periodic reload (every
  routing.snapshot.MAX_AGE_S seconds) falls inside the timed decisions too.
- `dispatch`: do_dispatch alone in a transaction that is rolled back (every decision sees
  the same queue; the figure issue 4 first reported, without the commit);
- `fill`: an agent has room (do_fill_capacity with one slot: lock the agent, read their
  load, give them the head of their line), rolled back.

Prints one JSON line per backend and operation: p50/p99/max in milliseconds, and for the
decision the statements it sent before the commit (on PostgreSQL, round trips). Before this
change (issue 4): dispatch p50/p99 17.3/68.2 ms on SQLite, 20.2/29.9 ms on PostgreSQL.

After the round-trip change (3 runs of 1,000 decisions each, alternating with the code
before it, one session on a shared 2-core machine, load average 1.1-1.4), decision p50/p99
in ms, before -> after:

    PostgreSQL  with commit     4.15-4.32 / 7.54-8.11  ->  2.14-2.22 / 5.01-5.31
                before commit   3.62-3.79 / 6.79-7.17  ->  1.65-1.72 / 3.21-4.26
                statements      10.01                  ->  3.01
    SQLite      with commit     1.32-1.36 / 1.82-1.87  ->  1.00-1.04 / 1.35-1.76
                before commit   1.14-1.18 / 1.44-1.59  ->  0.84-0.87 / 1.07-1.17
                statements      10.0                   ->  7.01

2026-12-07, this machine (AMD EPYC, slower): on a quiet moment the code before this round
measured PostgreSQL decision p50 3.56-3.69 / p99 8.4-10.1 ms, before the commit 2.84-2.98 /
7.7-8.4, 3.02 statements. This round (partial indexes for the waiting queue and for what
agents hold, a one-statement reload that keeps unchanged agents) was measured while other
jobs kept the load average at 0.7-6. Alternating runs, p50 / p99 ms (docs/routing.md has all ten):

    PostgreSQL, load 0.7-0.9    before          after
                with commit     3.14 / 7.64     3.27 / 7.15
                before commit   2.56 / 6.88     2.59 / 5.88
                statements      3.03            3.01
    load 1.1-4.1, four pairs:   with commit p99 10.1-16.8 before, 7.3-13.2 after

The 5 ms p99 is not met here. Proxies, per decision and its resolve, before -> after:
buffers 493-511 -> 245-277, server CPU 5.2-6.1 -> 4.0-4.5 ms; server time of the three
statements p50/p90 1.02/1.41 -> 0.91/1.15 ms; Python CPU ~1.9-2.0 ms either way. SQLite,
CPU per decision with commit p50/p99 2.20/6.7 -> 1.99/4.8 ms. See docs/routing.md, section 7.

2026-12-07, second round (the copy re-read ~25 agents at a time; the decision's statements
run on the DBAPI cursor, statements.Fast, which still fires the events this file counts):
Python CPU per decision before the commit p50/p99 1.73-2.14 / 4.5-6.4 -> 1.26-1.51 /
2.5-3.7 ms, statements 3.02 -> 3.08-3.17. At load ~1 (another job on one core), three
alternating pairs, PostgreSQL decision p50/p99 before 4.21-4.23 / 9.56-9.96 ms, after
3.18-3.78 / 5.94-8.10 (before the commit 3.35-3.36 / 7.93-8.39 -> 2.45-2.89 / 5.01-6.44):
the 5 ms p99 is not shown met. At load 2.3-5 the p99 is 12-34 ms for both versions.

2026-12-07, third round (literal channel kinds in the claim, no cursor.description in
statements.Fast), the quietest hour: three runs, decision p50/p99 2.65/5.38, 2.23/5.38,
2.55/5.16 ms; before the commit 2.03/4.21, 1.75/4.31, 1.97/4.06. Missed by 0.16-0.38 ms.

2026-12-07, a fresh machine with nothing else running (load 0.7-1.0), the same code: five
PostgreSQL runs, decision p50/p99 1.76-1.83 / 3.21-3.64 ms (before the commit 1.29-1.35 /
2.54-2.80), three SQLite runs 0.87-0.90 / 1.42-1.59 ms. Met on both, 1.4 ms to spare.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, event, insert, select, text

from pasokh import migrate
from pasokh.db import Database, utcnow
from pasokh.inbox.actions import do_set_status
from pasokh.models import Channel, Contact, Conversation, User, Workspace
from pasokh.routing import assignment as pick
from pasokh.routing.config import do_ensure_calendar
from pasokh.routing.models import DEFAULT_CHANNEL_WEIGHTS, AgentProfile, ConversationRouting
from pasokh.routing.service import do_dispatch, do_fill_capacity, load_agents
from pasokh.types import CATEGORIES, PRIORITIES, PRIORITY_RANK

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "pasokh_bench_routing_wt"
KINDS = ("webchat", "instagram", "telegram", "email", "whatsapp", "sms")
AGENTS, OPEN = 200, 10_000


def fresh_database(backend: str, workdir: Path, pg_db: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'routing.db'}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{pg_db}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_db}"


def seed(db: Database, rng: random.Random) -> int:
    """One workspace, 200 online agents, 10,000 waiting conversations; returns its id."""
    now = utcnow()
    with db.write() as s:
        ws = Workspace(slug="bench", name="bench", settings={})
        s.add(ws)
        s.flush()
        channels = []
        for kind in KINDS:
            channel = Channel(workspace_id=ws.id, kind=kind, key=kind, name=kind, config={})
            s.add(channel)
            channels.append(channel)
        s.flush()
        do_ensure_calendar(session=s, workspace_id=ws.id)
        users = s.execute(insert(User).returning(User.id), [
            {"workspace_id": ws.id, "email": f"agent{i}@bench.example", "name": f"agent {i}",
             "password_hash": "x", "role": "agent", "locale": "fa", "is_active": True,
             "created_at": now} for i in range(AGENTS)]).scalars().all()
        s.execute(insert(AgentProfile), [
            {"user_id": uid, "workspace_id": ws.id,
             "skills": [] if i % 4 else rng.sample(CATEGORIES, 2),
             "languages": ["fa", "en"] if i % 5 == 0 else ["fa"],
             "capacity": rng.choice((6, 8, 10)), "channel_weights": {}, "presence": "online",
             "presence_changed_at": now, "working_hours": []}
            for i, uid in enumerate(users)])
        contacts = s.execute(insert(Contact).returning(Contact.id), [
            {"workspace_id": ws.id, "display_name": f"c{i}", "is_vip": False,
             "created_at": now, "updated_at": now} for i in range(OPEN)]).scalars().all()
        rows, assigned = [], 0
        for i, contact in enumerate(contacts):
            priority = rng.choices(PRIORITIES, weights=(5, 15, 60, 20))[0]
            channel = channels[i % len(channels)]
            # About a third of capacity in use: some conversations already have an agent.
            assignee = users[i % AGENTS] if i < 600 else None
            assigned += assignee is not None
            since = now - timedelta(seconds=rng.randrange(86_400))
            rows.append({"workspace_id": ws.id, "channel_id": channel.id,
                         "contact_id": contact, "status": "open", "is_public": False,
                         "subject": "", "priority": priority,
                         "priority_rank": PRIORITY_RANK[priority],
                         "category": rng.choice(CATEGORIES),
                         "sentiment": "neutral", "language": "en" if i % 10 == 0 else "fa",
                         "assignee_id": assignee, "waiting_since": since,
                         "first_message_at": since, "last_message_at": since,
                         "message_count": 1, "created_at": since, "updated_at": since})
        ids = s.execute(insert(Conversation).returning(Conversation.id, Conversation.channel_id),
                        rows).all()
        kind_of = {c.id: c.kind for c in channels}
        s.execute(insert(ConversationRouting), [
            {"conversation_id": cid, "workspace_id": ws.id, "handling": "agent", "tags": [],
             "reasons": [], "breached": [], "updated_at": now,
             "weight": DEFAULT_CHANNEL_WEIGHTS[kind_of[chid]]} for cid, chid in ids])
        s.commit()
        return ws.id


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(db: Database, decisions: int, work: Any) -> list[float]:
    samples = []
    for n in range(decisions):
        with db.write() as s:
            start = time.perf_counter()
            work(s, n)
            samples.append((time.perf_counter() - start) * 1000)
            s.rollback()
    return samples


class Statements:
    """Counts the statements sent on an engine: on PostgreSQL each is a round trip."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def timed_commits(db: Database, decisions: int, waiting: list[int], counter: Statements
                  ) -> tuple[list[float], list[float], list[int]]:
    """Dispatch and commit, timed (without and with the commit); then resolve, untimed.
    Also returns the statements each decision sent before its commit."""
    samples, before_commit, statements = [], [], []
    for _ in range(decisions):
        with db.write() as s:
            conversation = None
            while conversation is None or conversation.assignee_id is not None \
                    or conversation.status != "open":
                conversation = s.get(Conversation, waiting.pop())
            sent = counter.count
            start = time.perf_counter()
            do_dispatch(session=s, conversation=conversation)
            before_commit.append((time.perf_counter() - start) * 1000)
            statements.append(counter.count - sent)
            s.commit()
            samples.append((time.perf_counter() - start) * 1000)
        with db.write() as s:
            for held in s.scalars(select(Conversation).where(
                    Conversation.status == "open", Conversation.assignee_id.is_not(None),
                    Conversation.updated_at >= utcnow() - timedelta(seconds=5))
                    .order_by(Conversation.updated_at.desc()).limit(1)):
                do_set_status(session=s, conversation=held, status="resolved", actor=None)
            s.commit()
    return samples, before_commit, statements


def report(backend: str, name: str, samples: list[float],
           statements: list[int] | None = None) -> None:
    extra = {} if statements is None else {
        "statements_mean": round(statistics.mean(statements), 2),
        "statements_max": max(statements)}
    print(json.dumps({
        "bench": "routing.assignment", "backend": backend, "operation": name,
        "agents": AGENTS, "open_conversations": OPEN, "decisions": len(samples),
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(percentile(samples, 0.99), 3),
        "max_ms": round(max(samples), 3), "target_p99_ms": 5.0, **extra,
    }), flush=True)


def bench(backend: str, decisions: int, pg_db: str) -> None:
    rng = random.Random(1405)
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(backend, Path(tmp), pg_db)
        db = Database(url)
        migrate.upgrade(db.write_engine)
        workspace_id = seed(db, rng)
        if backend == "postgresql":  # what autovacuum does in production after a bulk load
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        with db.read() as s:
            waiting_ids = list(s.scalars(select(Conversation.id)
                                         .where(Conversation.assignee_id.is_(None))))
            agent_ids = list(s.scalars(select(AgentProfile.user_id)))

        def dispatch(s: Any, n: int) -> None:
            conversation = s.get(Conversation, waiting_ids[n * 7 % len(waiting_ids)])
            do_dispatch(session=s, conversation=conversation)

        def fill(s: Any, n: int) -> None:
            do_fill_capacity(session=s, workspace_id=workspace_id,
                             agent_id=agent_ids[n % len(agent_ids)], limit=1)

        shuffled = list(waiting_ids)
        rng.shuffle(shuffled)
        counter = Statements(db.write_engine)
        timed_commits(db, 50, shuffled, counter)  # warm caches and connections
        with_commit, before_commit, sent = timed_commits(db, decisions, shuffled, counter)
        report(backend, "decision", with_commit, sent)
        report(backend, "decision_before_commit", before_commit, sent)
        for name, work in (("dispatch", dispatch), ("fill", fill)):
            timed(db, 50, work)  # warm caches and connections
            report(backend, name, timed(db, decisions, work))
        # The pure choice alone, for reference: what the database adds is the rest.
        with db.read() as s:
            agents = load_agents(session=s, workspace_id=workspace_id, now=utcnow())
        conv = pick.Waiting(id=0, priority_rank=2, waiting_since=utcnow(),
                            channel_kind="webchat", category="question", language="fa")
        start = time.perf_counter()
        for _ in range(decisions):
            pick.choose_agent(conv, agents)
        per = (time.perf_counter() - start) * 1000 / decisions
        print(json.dumps({"bench": "routing.choose_agent", "backend": "memory",
                          "agents": len(agents), "mean_ms": round(per, 4)}), flush=True)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-db", default=PG_DB,
                        help="PostgreSQL database to drop and recreate (default %(default)s)")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        bench(backend, args.decisions, args.pg_db)


if __name__ == "__main__":
    main()
