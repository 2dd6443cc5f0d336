"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pasokh.db import Database
from pasokh.models import Base


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "a model changed without a migration (pasokh.migrate.autogenerate)"


def test_the_queue_index_exists(db: Database) -> None:
    from sqlalchemy import inspect

    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("conversations")}
    assert {"ix_conversations_queue", "uq_conversations_one_open"} <= indexes
