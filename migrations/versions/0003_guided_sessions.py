"""guided sessions (pause and resume for every guided flow); assessment comments stored encrypted

The security statements for the new table are a frozen copy of what hp_agent/db/security.py
generates for it, exactly as 0002 froze them for the tables that existed then:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        t = load_all().metadata.tables['guided_sessions']; \
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hp_agent.config import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "guided_sessions" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "guided_sessions" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "guided_sessions" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "guided_sessions_owner" ON "guided_sessions" USING ("user_id" = app_current_user_id())'
    ' WITH CHECK ("user_id" = app_current_user_id())',
    'CREATE POLICY "guided_sessions_system" ON "guided_sessions" USING (app_current_role() = \'system\')'
    " WITH CHECK (app_current_role() = 'system')",
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    op.create_table(
        "guided_sessions",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=False),
        sa.Column("flow_version", sa.SmallInteger(), nullable=False),
        sa.Column("step", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("answers", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "paused", "completed", "abandoned", name="guided_session_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "client_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("thought_record_id", sa.UUID(), nullable=True),
        sa.Column("journal_entry_id", sa.UUID(), nullable=True),
        sa.Column("gratitude_entry_id", sa.UUID(), nullable=True),
        sa.Column("crisis_detection_id", sa.UUID(), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)",
            name=op.f("ck_guided_sessions_completed_at_iff_done"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(client_ids) = 'array'", name=op.f("ck_guided_sessions_client_ids_array")
        ),
        sa.CheckConstraint("step >= 1", name=op.f("ck_guided_sessions_step_positive")),
        sa.ForeignKeyConstraint(
            ["crisis_detection_id"],
            ["crisis_detections.id"],
            name=op.f("fk_guided_sessions_crisis_detection_id_crisis_detections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["gratitude_entry_id"],
            ["gratitude_entries.id"],
            name=op.f("fk_guided_sessions_gratitude_entry_id_gratitude_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_guided_sessions_journal_entry_id_journal_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thought_record_id"],
            ["thought_records.id"],
            name=op.f("fk_guided_sessions_thought_record_id_thought_records"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_guided_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guided_sessions")),
    )
    for column in (
        "crisis_detection_id",
        "gratitude_entry_id",
        "journal_entry_id",
        "thought_record_id",
        "user_id",
    ):
        op.create_index(op.f(f"ix_guided_sessions_{column}"), "guided_sessions", [column], unique=False)
    op.create_index(
        "ix_guided_sessions_open",
        "guided_sessions",
        ["user_id", "updated_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('active', 'paused')"),
    )
    op.add_column("user_assessments", sa.Column("comment", sa.LargeBinary(), nullable=True))

    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping the table drops its policies and grants with it.
    op.drop_column("user_assessments", "comment")
    op.drop_table("guided_sessions")
    op.execute("DROP TYPE IF EXISTS guided_session_status")
