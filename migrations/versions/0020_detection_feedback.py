"""detection feedback: clinicians' reports of risk the engine missed (issue #18 item 6)

``crisis_missed_risk_reports``: a treating clinician says one of the person's chat messages
needed the crisis flow (the level it needed, the categories), without any text; with the
false-positive marks already on ``crisis_detections.review_label`` it is the feedback evaluation
set (``python -m evals crisis --dataset feedback``). A new table: the system actor's access is
the worker's role only, like every table added since migration 0019.

The security statements are a frozen copy of what hp_agent/db/security.py generates for it:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        t = load_all().metadata.tables['crisis_missed_risk_reports']; \
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hp_agent.config import get_settings

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "crisis_missed_risk_reports"
ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "crisis_missed_risk_reports" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "crisis_missed_risk_reports" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "crisis_missed_risk_reports" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "crisis_missed_risk_reports_owner" ON "crisis_missed_risk_reports"'
    ' USING ("user_id" = app_current_user_id() OR "reported_by" = app_current_user_id())'
    ' WITH CHECK ("user_id" = app_current_user_id()'
    ' OR ("reported_by" = app_current_user_id() AND app_is_treating_therapist("user_id")))',
    'CREATE POLICY "crisis_missed_risk_reports_system" ON "crisis_missed_risk_reports"'
    " USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())",
    'CREATE POLICY "crisis_missed_risk_reports_therapist_read" ON "crisis_missed_risk_reports" FOR SELECT'
    " USING (app_current_role() = 'therapist' AND app_is_treating_therapist(\"user_id\"))",
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    risk_level = postgresql.ENUM(name="crisis_risk_level", create_type=False)
    op.create_table(
        TABLE,
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("chat_message_id", sa.UUID(), nullable=False),
        sa.Column("engine_level", risk_level, nullable=True),
        sa.Column("expected_level", risk_level, nullable=False),
        sa.Column(
            "categories",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("reported_by", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "jsonb_typeof(categories) = 'array'", name=op.f("ck_crisis_missed_risk_reports_categories_array")
        ),
        sa.CheckConstraint(
            "expected_level IN ('moderate', 'high', 'imminent')",
            name=op.f("ck_crisis_missed_risk_reports_expected_needs_attention"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_crisis_missed_risk_reports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chat_message_id"],
            ["chat_messages.id"],
            name=op.f("fk_crisis_missed_risk_reports_chat_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["users.id"],
            name=op.f("fk_crisis_missed_risk_reports_reported_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_missed_risk_reports")),
        sa.UniqueConstraint(
            "chat_message_id",
            "reported_by",
            name=op.f("uq_crisis_missed_risk_reports_chat_message_id_reported_by"),
        ),
    )
    op.create_index(op.f("ix_crisis_missed_risk_reports_user_id"), TABLE, ["user_id"])
    op.create_index(op.f("ix_crisis_missed_risk_reports_reported_by"), TABLE, ["reported_by"])
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    op.drop_table(TABLE)
