"""merged conversations: where an absorbed conversation went, skipped by every metric

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:00:00

`conversations.merged_into_id` is set on the conversation an agent merged into another
(`inbox/actions.do_merge`): its messages moved there, and it stays behind, resolved and
empty, only to say where it went. Every conversation metric now skips it
(`analytics/sql.conversation_filters`: `merged_into_id IS NULL`).

The metrics are answered from covering indexes alone (0004); the new column is appended to
each of them so the skip is decided inside the index. A status filter could not do this
(the absorbed conversation is resolved like any other). A partial index
(`WHERE merged_into_id IS NULL`) would serve only statements that spell that predicate,
and `ix_conversations_contact` also serves lookups by customer that must see every
conversation (the customer card, the reopen check, the survey-answer matcher). The price,
measured on bench/metrics.py's 200,000 conversations (PostgreSQL): started 17 -> 19 MB,
resolved 23 -> 25 MB, contact 7.9 -> 9.7 MB (an entry with no NULL before now carries a
null bitmap); SQLite within 3 %. Same plans.

Conversations merged before this revision are marked from the audit log, where every
merge was recorded (`conversation.merged`: the survivor as target, `{"merged": absorbed}`),
following a chain (X into A, later A into B) to the conversation that holds the messages now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pasokh.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FK = "fk_conversations_merged_into_id_conversations"
WIDER = {
    "ix_conversations_started": ["workspace_id", "first_message_at", "first_response_at",
                                 "resolved_at", "priority", "id", "merged_into_id"],
    "ix_conversations_resolved": ["workspace_id", "resolved_at", "status", "first_message_at",
                                  "first_response_at", "contact_id", "channel_id", "id",
                                  "merged_into_id"],
    "ix_conversations_contact": ["contact_id", "first_message_at", "channel_id",
                                 "merged_into_id"],
}
NARROWER = {name: columns[:-1] for name, columns in WIDER.items()}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in one statement (Alembic's add_column
        # would skip the constraint: SQLite cannot ALTER one in later). A column-level
        # reference reflects without ON DELETE options, hence none on either database.
        op.execute("ALTER TABLE conversations ADD COLUMN merged_into_id INTEGER "
                   f"CONSTRAINT {FK} REFERENCES conversations (id)")
    else:
        op.add_column("conversations", sa.Column("merged_into_id", ID, nullable=True))
        op.create_foreign_key(FK, "conversations", "conversations", ["merged_into_id"],
                              ["id"])
    _mark_past_merges()
    for name, columns in WIDER.items():
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", columns)


def _mark_past_merges() -> None:
    """Set merged_into_id from the audit log (merges are few: read them into Python)."""
    audit = sa.table("audit_events", sa.column("id", ID), sa.column("action", sa.String()),
                     sa.column("target_id", sa.String()),
                     sa.column("details", pasokh.types.JSONType))
    bind = op.get_bind()
    into: dict[int, int] = {}
    for target, details in bind.execute(
            sa.select(audit.c.target_id, audit.c.details)
            .where(audit.c.action == "conversation.merged").order_by(audit.c.id)):
        source = (details or {}).get("merged")
        if isinstance(source, int) and str(target).isdigit() and source != int(target):
            into[source] = int(target)
    conversations = sa.table("conversations", sa.column("id", ID),
                             sa.column("merged_into_id", ID))
    for source in into:
        target, seen = into[source], {source}
        while target in into and target not in seen:  # merged again later: follow it
            seen.add(target)
            target = into[target]
        if target in seen:
            continue  # a cycle cannot come from do_merge; leave such rows as they are
        held = conversations.alias("held")  # the survivor still exists (not correlated)
        exists = sa.select(held.c.id).where(held.c.id == target).exists()
        bind.execute(sa.update(conversations)
                     .where(conversations.c.id == source, exists)
                     .values(merged_into_id=target))


def downgrade() -> None:
    for name, columns in NARROWER.items():
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", columns)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE conversations DROP COLUMN merged_into_id")
    else:
        op.drop_constraint(FK, "conversations", type_="foreignkey")
        op.drop_column("conversations", "merged_into_id")
