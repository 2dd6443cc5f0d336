"""routing indexes: the waiting queue and the conversations agents hold

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:00:00

Two partial indexes on conversations for routing's hot path:

- `ix_conversations_waiting`: open, unassigned conversations waiting for an agent, in
  queue order, with the team. Kept narrow (no category, no language): it must stay smaller
  than `ix_conversations_unresolved`, which has the same order, or the planner prefers that.
  Before it, taking the head of an agent's line walked `ix_conversations_unresolved` past
  every assigned conversation ahead of it (and the dead entries of their earlier versions):
  about 860 buffers per claim after 2,000 decisions in bench/routing.py, 11 with it. A claim
  or a resolve writes no entry in it (the new row version is not waiting).
- `ix_conversations_held`: the open conversations each agent holds, by channel, which is
  what counting an agent's load reads. `ix_conversations_assignee` also holds every
  resolved conversation an agent ever had, all of which the count had to skip.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = ["workspace_id", "priority_rank", "waiting_since", "id", "team_id"]
WAITING_WHERE = "status = 'open' AND assignee_id IS NULL AND waiting_since IS NOT NULL"
HELD = ["workspace_id", "assignee_id", "channel_id"]
HELD_WHERE = "status != 'resolved' AND assignee_id IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_conversations_waiting", "conversations", WAITING,
                    sqlite_where=sa.text(WAITING_WHERE), postgresql_where=sa.text(WAITING_WHERE))
    op.create_index("ix_conversations_held", "conversations", HELD,
                    sqlite_where=sa.text(HELD_WHERE), postgresql_where=sa.text(HELD_WHERE))


def downgrade() -> None:
    op.drop_index("ix_conversations_held", table_name="conversations")
    op.drop_index("ix_conversations_waiting", table_name="conversations")
