"""metrics summary: per-conversation facts, customer turns, covering conversation indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pasokh.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = pasokh.db.UTCDateTime(timezone=True)


WIDER = {
    "ix_conversations_started": ["workspace_id", "first_message_at", "first_response_at",
                                 "resolved_at", "priority", "id"],
    "ix_conversations_resolved": ["workspace_id", "resolved_at", "status", "first_message_at",
                                  "first_response_at", "contact_id", "channel_id", "id"],
    "ix_conversations_contact": ["contact_id", "first_message_at", "channel_id"],
}
NARROWER = {
    "ix_conversations_started": ["workspace_id", "first_message_at"],
    "ix_conversations_resolved": ["workspace_id", "resolved_at"],
    "ix_conversations_contact": ["contact_id"],
}


def upgrade() -> None:
    op.create_table(
        "conversation_facts",
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("inbound_count", sa.Integer(), nullable=False),
        sa.Column("agent_count", sa.Integer(), nullable=False),
        sa.Column("first_bot_reply_at", WHEN, nullable=True),
        sa.Column("last_reply_at", WHEN, nullable=True),
        sa.Column("last_human_reply_at", WHEN, nullable=True),
        sa.Column("tone_sum", sa.Float(), nullable=False),
        sa.Column("tone_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE",
                                name=op.f("fk_conversation_facts_conversation_id_conversations")),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_facts")),
    )
    op.create_table(
        "conversation_turns",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("asked_at", WHEN, nullable=False),
        sa.Column("replied_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE",
                                name=op.f("fk_conversation_turns_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE",
                                name=op.f("fk_conversation_turns_conversation_id_conversations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_turns")),
    )
    op.create_index("ix_conversation_turns_asked", "conversation_turns",
                    ["workspace_id", "asked_at", "conversation_id", "replied_at"])
    op.create_index("ix_conversation_turns_conversation", "conversation_turns",
                    ["conversation_id"])
    # Covering versions of the dashboard's conversation indexes (0001 and 0003).
    for name, columns in WIDER.items():
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", columns)
    # Existing conversations get their facts from their messages, as the hooks would have.
    # The analytics code does it (one set-based pass) rather than a copy of its SQL here;
    # it only reads messages, triage decisions and conversations, which 0001 created.
    from pasokh.analytics.facts import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    for name, columns in NARROWER.items():
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", columns)
    op.drop_index("ix_conversation_turns_conversation", table_name="conversation_turns")
    op.drop_index("ix_conversation_turns_asked", table_name="conversation_turns")
    op.drop_table("conversation_turns")
    op.drop_table("conversation_facts")
