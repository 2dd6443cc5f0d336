"""metrics: surveys, crisis incidents, and indexes for the dashboard queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pasokh.db
import pasokh.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = pasokh.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_after", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("question_message_id", ID, nullable=True),
        sa.Column("answer_message_id", ID, nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE",
                                name=op.f("fk_surveys_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE",
                                name=op.f("fk_surveys_conversation_id_conversations")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_surveys_contact_id_contacts")),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE",
                                name=op.f("fk_surveys_channel_id_channels")),
        sa.ForeignKeyConstraint(["question_message_id"], ["messages.id"], ondelete="SET NULL",
                                name=op.f("fk_surveys_question_message_id_messages")),
        sa.ForeignKeyConstraint(["answer_message_id"], ["messages.id"], ondelete="SET NULL",
                                name=op.f("fk_surveys_answer_message_id_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("conversation_id", "kind",
                            name=op.f("uq_surveys_conversation_id_kind")),
    )
    op.create_index("ix_surveys_due", "surveys", ["status", "send_after"])
    op.create_index("ix_surveys_contact", "surveys", ["contact_id", "status"])
    op.create_index("ix_surveys_answered", "surveys", ["workspace_id", "answered_at"])
    op.create_table(
        "crisis_incidents",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.Column("peak_count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("sample_message_ids", pasokh.types.JSONType, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE",
                                name=op.f("fk_crisis_incidents_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_incidents")),
    )
    op.create_index("ix_crisis_incidents_open", "crisis_incidents",
                    ["workspace_id", "topic", "status"])
    op.create_index("ix_conversations_started", "conversations",
                    ["workspace_id", "first_message_at"])
    op.create_index("ix_conversations_resolved", "conversations",
                    ["workspace_id", "resolved_at"])
    op.create_index("ix_messages_workspace_sent", "messages",
                    ["workspace_id", "sent_at", "direction", "kind", "is_public",
                     "conversation_id"])
    op.create_index("ix_messages_timeline", "messages",
                    ["conversation_id", "sent_at", "direction", "kind", "sender_type",
                     "sender_user_id"])
    op.create_index("ix_audit_events_action", "audit_events",
                    ["workspace_id", "action", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.drop_index("ix_messages_timeline", table_name="messages")
    op.drop_index("ix_messages_workspace_sent", table_name="messages")
    op.drop_index("ix_conversations_resolved", table_name="conversations")
    op.drop_index("ix_conversations_started", table_name="conversations")
    op.drop_index("ix_crisis_incidents_open", table_name="crisis_incidents")
    op.drop_table("crisis_incidents")
    op.drop_index("ix_surveys_answered", table_name="surveys")
    op.drop_index("ix_surveys_contact", table_name="surveys")
    op.drop_index("ix_surveys_due", table_name="surveys")
    op.drop_table("surveys")
