"""routing config version: one row per workspace, changed by every routing config edit

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pasokh.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = pasokh.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    # No rows: a workspace without one is read afresh by every route job until its first
    # routing edit (or first calendar) writes one.
    op.create_table(
        "routing_config_versions",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"],
            name=op.f("fk_routing_config_versions_workspace_id_workspaces"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_routing_config_versions")),
    )


def downgrade() -> None:
    op.drop_table("routing_config_versions")
