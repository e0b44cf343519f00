"""medications and the notification inbox: schedules, reminders, intake log, interactions, preferences

The medication tables exist since 0001 (with their policies since 0002). This adds:

- ``notification_preferences``: per-kind switches and quiet hours for the inbox.
- ``crisis_detection_source`` value ``medication`` (intake notes and side-effect reports are
  screened by the crisis layer like any other text).

The security statements for the new table are a frozen copy of what hp_agent/db/security.py
generates for it:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \\
        t = load_all().metadata.tables['notification_preferences']; \\
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "notification_preferences" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "notification_preferences" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "notification_preferences" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "notification_preferences_owner" ON "notification_preferences" USING ("user_id" = '
    'app_current_user_id()) WITH CHECK ("user_id" = app_current_user_id())',
    'CREATE POLICY "notification_preferences_system" ON "notification_preferences" USING '
    "(app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    # PostgreSQL 12+ allows this inside the migration's transaction (the value is not used here).
    op.execute("ALTER TYPE crisis_detection_source ADD VALUE IF NOT EXISTS 'medication'")
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("reminders", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("appointments", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("homework", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("announcements", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL)", name=op.f("ck_notification_preferences_quiet_pair")
        ),
        sa.CheckConstraint(
            "quiet_start IS NULL OR quiet_start <> quiet_end",
            name=op.f("ck_notification_preferences_quiet_not_empty"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("user_id", name=op.f("uq_notification_preferences_user_id")),
    )
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def _drop_enum_value(type_name: str, value: str, fallback: str) -> None:
    """PostgreSQL cannot drop an enum value: rebuild the type without it (as 0007 does)."""
    conn = op.get_bind()
    values = [
        r[0]
        for r in conn.execute(
            sa.text(
                "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                "WHERE t.typname = :t ORDER BY e.enumsortorder"
            ),
            {"t": type_name},
        )
        if r[0] != value
    ]
    columns = conn.execute(
        sa.text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "WHERE c.table_schema = 'public' AND c.udt_name = :t"
        ),
        {"t": type_name},
    ).all()
    for table, column in columns:
        op.execute(f'UPDATE "{table}" SET "{column}" = \'{fallback}\' WHERE "{column}"::text = \'{value}\'')
    op.execute(f'ALTER TYPE "{type_name}" RENAME TO "{type_name}_old"')
    labels = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    op.execute(f'CREATE TYPE "{type_name}" AS ENUM ({labels})')
    for table, column in columns:
        op.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE "{type_name}" '
            f'USING "{column}"::text::"{type_name}"'
        )
    op.execute(f'DROP TYPE "{type_name}_old"')


def downgrade() -> None:
    # Dropping the table drops its policies and grants with it.
    op.drop_table("notification_preferences")
    _drop_enum_value("crisis_detection_source", "medication", "other")
