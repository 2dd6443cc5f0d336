"""Ingest throughput: messages/s over HTTP beside the raw insert ceiling, SQLite and PostgreSQL.

    .venv/bin/python bench/ingest.py [--messages 5000] [--clients 8] [--backend both]

For each database: start a real server, post N realistic messages (the project's held-out
corpus, 600 distinct customers, so messages join open conversations) from K concurrent
keep-alive clients, and print messages/s and p50/p99 latency. Then, in the same run and
the same database, insert the same rows (contact, identity, conversation, message, triage
decision) straight through SQLAlchemy Core, one transaction per message
(the ceiling), and in transactions of K messages (the server's own batches can be no
bigger than K). Routing runs after the acknowledgement in the server's job runner;
`routed_msgs_per_s` is N over the time until every message has been routed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text

from bench._server import start_server, start_worker
from pasokh import migrate
from pasokh.db import Database, utcnow
from pasokh.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    TriageDecision,
)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/pasokh_bench"


def corpus_texts() -> list[str]:
    from pasokh.triage.corpus import load_corpus

    rows = load_corpus("heldout")
    return [r["text"] for r in rows]


def fresh_database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS pasokh_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE pasokh_bench"))
    admin.dispose()
    return PG_BENCH


def prepare(url: str) -> str:
    """Migrate and create the workspace, channel and token; return the token."""
    from pasokh.channels.service import do_create_channel
    from pasokh.workspaces.service import do_create_token, do_create_workspace

    db = Database(url)
    migrate.upgrade(db.write_engine)
    with db.write() as session:
        ws = do_create_workspace(session=session, slug="bench", name="Bench")
        do_create_channel(session=session, workspace=ws, kind="webchat", key="webchat",
                          name="chat")
        secret = do_create_token(session=session, workspace=ws, name="bench",
                                 role="integration").secret
        session.commit()
    db.dispose()
    return secret


def bodies(texts: list[str], n: int, run: str) -> list[bytes]:
    out = []
    for i in range(n):
        out.append(json.dumps({
            "channel": "webchat", "provider_message_id": f"{run}-{i}",
            "sender": {"external_id": f"visitor-{i % 600}"}, "text": texts[i % len(texts)],
        }, ensure_ascii=False).encode())
    return out


async def _client(host: str, port: int, token: str, queue: list[bytes],
                  latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (f"POST /api/v1/messages HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n")
    while queue:
        body = queue.pop()
        started = time.perf_counter()
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if b" 201 " not in status_line and b" 200 " not in status_line:
            errors.append(status_line.decode().strip())
    writer.close()


async def load(base: str, token: str, payloads: list[bytes], clients: int
               ) -> tuple[float, list[float], list[str]]:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[str] = []
    queue = list(reversed(payloads))
    started = time.perf_counter()
    await asyncio.gather(*(_client(host, int(port), token, queue, latencies, errors)
                           for _ in range(clients)))
    return time.perf_counter() - started, latencies, errors


def raw_rows(texts: list[str], n: int) -> list[dict[str, Any]]:
    from pasokh.triage.engine import TriageContext, TriageEngine

    engine = TriageEngine.load()
    ctx = TriageContext(channel="webchat")
    return [{"text": texts[i % len(texts)], "sender": f"visitor-{i}",
             "triage": engine.triage(texts[i % len(texts)], ctx)} for i in range(n)]


def raw_insert(url: str, rows: list[dict[str, Any]], *, batch: int) -> float:
    """Insert the same rows the API stores, straight through Core; return rows/s.

    Statements are built once and executed with parameters (the fastest honest way
    through SQLAlchemy); one commit per `batch` messages.
    """
    db = Database(url)
    now = utcnow()
    with db.read() as s:
        ws_id, ch_id = s.execute(text("select workspace_id, id from channels limit 1")).one()
    tables = {m: m.__table__ for m in (Contact, ContactIdentity, Conversation, Message,
                                       TriageDecision)}
    add_contact = insert(tables[Contact]).returning(tables[Contact].c.id)
    add_identity = insert(tables[ContactIdentity])
    add_conversation = insert(tables[Conversation]).returning(tables[Conversation].c.id)
    add_message = insert(tables[Message]).returning(tables[Message].c.id)
    add_decision = insert(tables[TriageDecision])
    started = time.perf_counter()
    with db.write_engine.connect() as conn:
        trans = conn.begin()
        for i, row in enumerate(rows, 1):
            t, tag = row["triage"], f"raw-{batch}-{i}"
            contact_id = conn.execute(add_contact, {
                "workspace_id": ws_id, "display_name": row["sender"], "is_vip": False,
                "created_at": now, "updated_at": now}).scalar_one()
            conn.execute(add_identity, {"workspace_id": ws_id, "contact_id": contact_id,
                                        "kind": "webchat", "value": tag, "created_at": now})
            conv_id = conn.execute(add_conversation, {
                "workspace_id": ws_id, "channel_id": ch_id, "contact_id": contact_id,
                "status": "open", "is_public": False, "subject": row["text"][:300],
                "priority": t.priority, "priority_rank": 0, "message_count": 1,
                "first_message_at": now, "last_message_at": now, "waiting_since": now,
                "created_at": now, "updated_at": now}).scalar_one()
            msg_id = conn.execute(add_message, {
                "workspace_id": ws_id, "conversation_id": conv_id, "channel_id": ch_id,
                "direction": "inbound", "kind": "message", "sender_type": "contact",
                "sender_contact_id": contact_id, "text": row["text"], "is_public": False,
                "provider_message_id": tag, "reach": 0, "sent_at": now, "created_at": now,
                "metadata": {}}).scalar_one()
            conn.execute(add_decision, {
                "workspace_id": ws_id, "message_id": msg_id, "conversation_id": conv_id,
                "category": t.category, "category_confidence": t.category_confidence,
                "sentiment": t.sentiment, "sentiment_score": t.sentiment_score,
                "priority": t.priority, "language": t.language, "confidence": t.confidence,
                "reasons": t.reasons, "needs_review": t.needs_review,
                "model_version": t.model_version, "trace": [], "created_at": now})
            if i % batch == 0:
                trans.commit()
                trans = conn.begin()
        trans.commit()
    elapsed = time.perf_counter() - started
    db.dispose()
    return len(rows) / elapsed


def routed_after(url: str, started: float, timeout: float = 600) -> float:
    """Seconds from `started` until the server has run every queued route job."""
    db = Database(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with db.read() as s:
                left = s.scalar(text("select count(*) from outbox_jobs where kind = 'route' "
                                     "and status in ('queued', 'running')"))
            if not left:
                return time.perf_counter() - started
            time.sleep(0.2)
        return float("nan")
    finally:
        db.dispose()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def run(backend: str, n: int, clients: int, workers: int, jobs: str) -> dict[str, Any]:
    texts = corpus_texts()
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(backend, Path(tmp))
        token = prepare(url)
        process, base = start_server(url, workers=workers, log=Path(tmp) / "server.log",
                                     run_jobs=jobs == "in-server")
        worker = start_worker(url, log=Path(tmp) / "worker.log") \
            if jobs == "worker-process" else None
        try:
            asyncio.run(load(base, token, bodies(texts, min(200, n), "warm"), clients))
            routed_after(url, time.perf_counter())
            started = time.perf_counter()
            elapsed, latencies, errors = asyncio.run(
                load(base, token, bodies(texts, n, "run"), clients))
            routed = routed_after(url, started)
        finally:
            for p in (process, worker):
                if p is not None:
                    p.terminate()
                    p.wait(timeout=30)
        rows = raw_rows(texts, n)
        ceiling = raw_insert(url, rows, batch=1)
        batched = raw_insert(url, rows, batch=clients)
    http_rate = n / elapsed
    return {
        "backend": backend, "messages": n, "clients": clients, "workers": workers,
        "jobs": jobs,
        "errors": len(errors), "http_msgs_per_s": round(http_rate, 1),
        "p50_ms": round(pct(latencies, 50), 2), "p99_ms": round(pct(latencies, 99), 2),
        "routed_msgs_per_s": round(n / routed, 1),
        "raw_insert_per_message_tx_per_s": round(ceiling, 1),
        "raw_insert_tx_per_k_messages_per_s": round(batched, 1),
        "http_share_of_ceiling": round(http_rate / ceiling, 3),
        "http_share_of_batched_ceiling": round(http_rate / batched, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--jobs", choices=["in-server", "worker-process"], default="in-server",
                        help="run routing and other jobs in the web process, or in a "
                             "separate `pasokh worker` process")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = run(backend, args.messages, args.clients, args.workers, args.jobs)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
