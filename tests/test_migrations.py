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


def test_0008_marks_the_conversations_merged_before_it_from_the_audit_log(db: Database) -> None:
    """Merges recorded before the column existed stop counting as conversations too."""
    from alembic import command
    from sqlalchemy import select

    from pasokh import migrate
    from pasokh.audit.service import do_audit
    from pasokh.channels.models import Channel
    from pasokh.customers.models import Contact
    from pasokh.inbox.models import Conversation
    from tests.conftest import build_world

    world = build_world(db)
    with db.write() as session:
        contact = Contact(workspace_id=world.workspace_id, display_name="رضا")
        session.add(contact)
        channels = session.scalars(select(Channel.id).where(
            Channel.workspace_id == world.workspace_id).order_by(Channel.id)).all()
        rows = [Conversation(workspace_id=world.workspace_id, channel_id=channel,
                             contact_id=contact.id, status="resolved") for channel in channels[:4]]
        session.add_all(rows)
        session.flush()
        absorbed, middle, kept, alone = (c.id for c in rows)
        for source, target in ((absorbed, middle), (middle, kept)):  # the second moved both
            do_audit(session=session, workspace_id=world.workspace_id,
                     action="conversation.merged", target_type="conversation",
                     target_id=target, details={"merged": source})
        session.commit()
    config = migrate.alembic_config()
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    migrate.upgrade(db.write_engine)
    with db.read() as session:
        marked = dict(session.execute(select(Conversation.id, Conversation.merged_into_id)
                                      .where(Conversation.id.in_(
                                          [absorbed, middle, kept, alone]))).all())
    assert marked == {absorbed: kept, middle: kept, kept: None, alone: None}
