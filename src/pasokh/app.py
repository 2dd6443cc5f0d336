"""The application factory: wiring happens here, never at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

from pasokh import __version__
from pasokh.analytics import pages as analytics_pages
from pasokh.analytics import routes as analytics_routes
from pasokh.db import Database
from pasokh.events import EventBus
from pasokh.inbox import routes as inbox_routes
from pasokh.ingest.batch import Stored
from pasokh.ingest.protocols import Triager
from pasokh.ingest.writer import IngestWriter
from pasokh.jobs.handlers import build_runner
from pasokh.replies import routes as template_routes
from pasokh.routing import routes as routing_routes
from pasokh.settings import Settings
from pasokh.surveys import routes as survey_routes
from pasokh.triage.engine import TriageEngine
from pasokh.triage.watch import ModelWatcher
from pasokh.web import admin, api, desk, errors, live, pages, triage_model
from pasokh.web.auth import TokenCache
from pasokh.web.fast_ingest import FastIngest
from pasokh.web.limits import BodyLimit
from pasokh.workspaces.models import Workspace


def rules_source(db: Database) -> Any:
    def source(workspace_id: int) -> dict[str, Any] | None:
        with db.read() as session:
            settings = session.scalar(select(Workspace.settings)
                                      .where(Workspace.id == workspace_id))
        rules = (settings or {}).get("triage_rules")
        return rules if isinstance(rules, dict) else None
    return source


def announce_messages(events: EventBus) -> Callable[[list[Stored]], None]:
    """Tell open inboxes about messages once they are committed."""
    def announce(stored: list[Stored]) -> None:
        for s in stored:
            events.publish(s.workspace_id, "message.created",
                           {"message_id": s.message_id, "conversation_id": s.conversation_id})
    return announce


def _model_watcher(triager: Triager, settings: Settings) -> ModelWatcher | None:
    """Watch the serving model's folder, when the triager is the engine (not a test double)."""
    engine = getattr(triager, "engine", None)
    return ModelWatcher(engine, settings.triage_model_dir) \
        if isinstance(engine, TriageEngine) else None


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               triager: Triager | None = None) -> FastAPI:
    """Build the FastAPI app for `settings` (read from the environment when None)."""
    settings = settings or Settings()
    db = db or Database(settings.database_url)
    if triager is None:
        from pasokh.ingest.triager import WorkspaceTriager

        triager = WorkspaceTriager.load(settings.triage_model_dir, rules_source(db))
    assert triager is not None
    events = EventBus(redis_url=settings.redis_url)
    jobs = build_runner(db, events=events,
                        periodic_every=timedelta(seconds=settings.jobs_periodic_seconds))
    ingest = IngestWriter(db, triager, max_chars=settings.max_message_chars,
                          on_commit=[announce_messages(events), lambda _: jobs.wake()])
    watcher = _model_watcher(triager, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.run_jobs:
            jobs.start()
        if watcher is not None:
            watcher.start(settings.triage_model_check_seconds)
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            # What was queued is stored (and answered) before shutdown; the job in
            # hand finishes.
            await asyncio.to_thread(ingest.stop)
            await asyncio.to_thread(jobs.stop)

    app = FastAPI(
        title="Pasokh API", version=__version__,
        description="Persian-first omnichannel customer care: push messages in, read "
                    "conversations triaged most-urgent-first.",
        docs_url="/docs", redoc_url=None, lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.triager = triager
    app.state.events = events
    app.state.ingest = ingest
    app.state.tokens = TokenCache()
    app.state.jobs = jobs
    app.state.model_watcher = watcher
    errors.install(app)
    app.include_router(api.router)
    app.include_router(triage_model.router)
    app.include_router(inbox_routes.router)
    app.include_router(template_routes.router)
    app.include_router(routing_routes.router)
    app.include_router(pages.router)
    app.include_router(desk.router)
    app.include_router(admin.router)
    app.include_router(live.router)
    app.include_router(analytics_routes.router)
    app.include_router(survey_routes.router)
    app.include_router(analytics_pages.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")),
              name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(FastIngest, state=app.state, max_bytes=settings.max_body_bytes)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # outermost
    return app
