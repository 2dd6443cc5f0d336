"""Route-job throughput: how fast one process drains the route jobs ingest queues.

    .venv/bin/python bench/route_jobs.py [--messages 1000] [--agents 0] [--backend both]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/pasokh_bench] [--profile N]

For each database: migrate a fresh schema, create a workspace with a webchat channel (and
`--agents` online agents), store `--messages` corpus messages from 600 senders through the
process's ingest writer (pasokh.ingest.writer.IngestWriter, as the API does: one "route"
job per new message), then time `build_runner(db, periodic_every=None).run_until_idle()`
and print route jobs/s as one JSON line. `--profile N` prints the N costliest functions
(cProfile, cumulative). Run it with PYTHONPATH pointing at another checkout's `src` to
compare two versions in the same run; the PostgreSQL schema at `--pg-url` is dropped and
recreated.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text

from bench.ingest import corpus_texts, prepare
from pasokh.db import Database
from pasokh.jobs.handlers import build_runner
from pasokh.jobs.models import OutboxJob

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pasokh_bench"


def fresh_database(backend: str, workdir: Path, pg_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


def add_agents(db: Database, n: int) -> None:
    """`n` online agents with default capacity, no skills (they take anything)."""
    from pasokh.routing.config import get_profile
    from pasokh.users.service import do_create_user
    from pasokh.workspaces.models import Workspace

    with db.write() as session:
        workspace = session.scalars(select(Workspace)).one()
        for i in range(n):
            user = do_create_user(session=session, workspace=workspace,
                                  email=f"agent{i}@bench.example", name=f"agent {i}",
                                  password="agent-password-1", role="agent")
            get_profile(session=session, workspace_id=workspace.id,
                        user_id=user.id).presence = "online"
        session.commit()


def ingest(db: Database, texts: list[str], n: int) -> None:
    """Store `n` messages from 600 senders through the ingest writer (route jobs queued)."""
    from pasokh.app import rules_source
    from pasokh.customers.service import SenderIdentity
    from pasokh.ingest.service import InboundMessage
    from pasokh.ingest.triager import WorkspaceTriager
    from pasokh.ingest.writer import IngestWriter
    from pasokh.workspaces.models import Workspace

    with db.read() as session:
        ws_id = session.scalars(select(Workspace.id)).one()
    writer = IngestWriter(db, WorkspaceTriager.load(None, rules_source(db)), max_chars=10_000)
    futures = [writer.submit(ws_id, InboundMessage(
        channel_key="webchat", text=texts[i % len(texts)], provider_message_id=f"run-{i}",
        sender=SenderIdentity(external_id=f"visitor-{i % 600}"))) for i in range(n)]
    for future in futures:
        future.result(timeout=600)
    writer.stop()


def run(backend: str, n: int, agents: int, pg_url: str, profile: int) -> dict[str, Any]:
    texts = corpus_texts()
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(backend, Path(tmp), pg_url)
        prepare(url)
        db = Database(url)
        try:
            add_agents(db, agents)
            ingest(db, texts, n)
            with db.read() as session:
                jobs = session.scalar(select(func.count()).select_from(OutboxJob)
                                      .where(OutboxJob.kind == "route"))
            runner = build_runner(db, periodic_every=None)
            profiler = cProfile.Profile() if profile else None
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            ran = runner.run_until_idle()
            if profiler is not None:
                profiler.disable()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            with db.read() as session:
                left = session.scalar(select(func.count()).select_from(OutboxJob).where(
                    OutboxJob.kind == "route", OutboxJob.status != "done"))
        finally:
            db.dispose()
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(profile)
    return {"backend": backend, "messages": n, "agents": agents, "route_jobs": jobs,
            "jobs_run": ran, "route_jobs_not_done": left, "seconds": round(elapsed, 3),
            "route_jobs_per_s": round((jobs or 0) / elapsed, 1),
            # CPU time is steadier than wall time on a machine shared with other work
            "cpu_ms_per_job": round(1000 * cpu / max(1, jobs or 0), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = run(backend, args.messages, args.agents, args.pg_url, args.profile)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
