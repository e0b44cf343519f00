"""conversation memory: a short, encrypted summary per person that the agents pick up from

The security statements are a frozen copy of what hp_agent/db/security.py generates for the new
table, as 0003 froze them for guided_sessions:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        t = load_all().metadata.tables['conversation_memories']; \
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "conversation_memories" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "conversation_memories" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "conversation_memories" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "conversation_memories_owner" ON "conversation_memories"'
    ' USING ("user_id" = app_current_user_id()) WITH CHECK ("user_id" = app_current_user_id())',
    'CREATE POLICY "conversation_memories_system" ON "conversation_memories"'
    " USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())",
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    op.create_table(
        "conversation_memories",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("consent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("summary", sa.LargeBinary(), nullable=True),
        sa.Column("summarised_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_conversation_memories_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_memories")),
        sa.UniqueConstraint("user_id", name=op.f("uq_conversation_memories_user_id")),
    )
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping the table drops its policies and grants with it.
    op.drop_table("conversation_memories")
