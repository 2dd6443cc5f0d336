"""Where the runner runs: inside the web app (PASOKH_RUN_JOBS) or as `pasokh worker`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pasokh.cli import main
from pasokh.db import Database
from pasokh.jobs.handlers import ROUTE
from pasokh.jobs.service import do_enqueue
from pasokh.settings import Settings
from tests.jobs.conftest import load


def queue_moot_route_job(db: Database) -> int:
    """A route job for a conversation that is gone: it completes without touching anything."""
    with db.write() as session:
        job_id = do_enqueue(session=session, workspace_id=None, kind=ROUTE,
                            payload={"conversation_id": 404, "message_id": 404})
        session.commit()
        assert job_id is not None
        return job_id


def test_the_app_runs_jobs_while_it_serves_when_run_jobs_is_on(
        settings: Settings, db: Database, triager_engine: object) -> None:
    from pasokh.app import create_app, rules_source
    from pasokh.ingest.triager import WorkspaceTriager

    app = create_app(settings.model_copy(update={"run_jobs": True}), db=db,
                     triager=WorkspaceTriager(triager_engine, rules_source(db)))
    with TestClient(app):
        assert app.state.jobs.is_running
        job_id = queue_moot_route_job(db)
        assert app.state.jobs.wait_idle(timeout=30)
        assert load(db, job_id).status == "done"
    assert not app.state.jobs.is_running, "shutdown stops the runner"


def test_the_test_app_leaves_jobs_to_the_test(app: FastAPI, client: TestClient,
                                              db: Database) -> None:
    assert not app.state.jobs.is_running
    job_id = queue_moot_route_job(db)
    assert app.state.jobs.run_until_idle() >= 1
    assert load(db, job_id).status == "done"


def test_pasokh_worker_once_runs_the_due_jobs_and_exits(
        database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASOKH_DATABASE_URL", database_url)
    job_id = queue_moot_route_job(db)
    result = CliRunner().invoke(main, ["worker", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "none is due now" in result.output
    assert load(db, job_id).status == "done"


def test_pasokh_worker_says_so_when_the_database_is_unreachable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASOKH_DATABASE_URL",
                       "postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    result = CliRunner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 1
    assert "Could not run jobs on" in result.output
