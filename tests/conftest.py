"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

SQLite: each test gets a fresh copy of a migrated database file.
PostgreSQL: the schema is migrated once per run and every table is emptied after each
test. `PASOKH_TEST_DATABASE_URL` overrides the server; with `CI` set, a PostgreSQL that
cannot be reached fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from pasokh import migrate
from pasokh.db import Base, Database
from pasokh.settings import Settings


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with production cost takes ~100 ms a hash; tests create hundreds of users."""
    from argon2 import PasswordHasher

    from pasokh import security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = original


PG_URL = os.environ.get("PASOKH_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "pasokh.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.write_engine)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def _worker_database(base_url: str) -> str:
    """With pytest-xdist, each worker gets a database of its own beside the base one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base_url
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_schema() -> str:
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {problem}")
    url = _worker_database(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _empty_pg(db: Database) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "pasokh.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("pg_schema"))


@pytest.fixture
def db(database_url: str, backend: str) -> Iterator[Database]:
    database = Database(database_url)
    if backend == "postgresql":
        _empty_pg(database)
    yield database
    if backend == "postgresql":
        _empty_pg(database)
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.write() as s:
        yield s
        s.rollback()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The job runner's thread stays off: tests run jobs explicitly (app.state.jobs).
    return Settings(environment="test", database_url=database_url,
                    secret_key="test-secret-" + "x" * 32, run_jobs=False)


@pytest.fixture(scope="session")
def triager_engine():  # type: ignore[no-untyped-def]
    """The shipped triage model, loaded once per run (it is read-only)."""
    from pasokh.triage.engine import TriageEngine

    return TriageEngine.load()


@dataclass
class World:
    """A workspace with named people, channels and tokens: the tests' cast."""

    workspace_id: int
    slug: str
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


CAST = {  # name: role
    "maryam": "admin", "reza": "supervisor", "sara": "agent", "nima": "analyst",
}
CHANNELS = (("instagram", "instagram-main"), ("telegram", "telegram-bot"),
            ("webchat", "webchat"), ("email", "email-support"), ("sms", "sms"),
            ("whatsapp", "whatsapp"))


def build_world(db: Database, slug: str = "narenj") -> World:
    """Create a workspace with the standard cast, channels and a token per role."""
    from pasokh.channels.service import do_create_channel
    from pasokh.users.service import do_create_user
    from pasokh.workspaces.service import do_create_token, do_create_workspace

    with db.write() as session:
        ws = do_create_workspace(session=session, slug=slug, name="فروشگاه نارنج")
        world = World(workspace_id=ws.id, slug=slug)
        for kind, key in CHANNELS:
            do_create_channel(session=session, workspace=ws, kind=kind, key=key, name=key)
        for name, role in CAST.items():
            email = f"{name}@{slug}.example"
            password = f"{name}-password-1"
            user = do_create_user(session=session, workspace=ws, email=email, name=name,
                                  password=password, role=role)
            world.users[name] = user.id
            world.passwords[name] = password
            world.emails[name] = email
            world.tokens[role] = do_create_token(session=session, workspace=ws, name=name,
                                                 role=role, user_id=user.id).secret
        world.tokens["integration"] = do_create_token(session=session, workspace=ws,
                                                      name="crm", role="integration").secret
        session.commit()
    return world


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.fixture
def app(settings: Settings, db: Database, triager_engine):  # type: ignore[no-untyped-def]
    from pasokh.app import create_app, rules_source
    from pasokh.ingest.triager import WorkspaceTriager

    return create_app(settings, db=db,
                      triager=WorkspaceTriager(triager_engine, rules_source(db)))


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
