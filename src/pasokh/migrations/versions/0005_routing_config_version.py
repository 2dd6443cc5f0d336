"""routing config version: one row per workspace, changed by every routing config edit

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

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
    # A version for every existing workspace, so routing caches their configuration from
    # the first job (without a row it would read it afresh until the next edit).
    op.execute(sa.text("INSERT INTO routing_config_versions (workspace_id, version, changed_at)"
                       " SELECT id, :version, :now FROM workspaces")
               .bindparams(sa.bindparam("version", uuid4().hex),
                           sa.bindparam("now", datetime.now(UTC), type_=WHEN)))


def downgrade() -> None:
    op.drop_table("routing_config_versions")
