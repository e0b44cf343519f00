"""hardening: the worker's own role acts as system on content tables; the API role cannot

Issue #14, finding 9: row-level security trusted ``app.current_role``, which the application role can
set itself (``set_config('app.current_role', 'system', true)`` read every journal row). Here:

- ``hp_system``, a NOLOGIN group role that inherits the application role's grants, and the worker's
  login role (``HP_WORKER_DB_ROLE``, default ``hp_worker``) in it; ``hp-agent migrate`` sets its
  password. Roles are cluster-wide, so creating one that exists is not an error and the downgrade
  leaves them in place (other databases on the server may use them).
- ``app_is_worker_system()``: the system actor *and* a member of ``hp_system`` (checked on the role
  the connection logged in as). The ``<table>_system`` policy of every table in
  ``security.WORKER_ONLY_SYSTEM`` (what people wrote, clinical content) is recreated on it.
- ``login_throttles`` (finding 4): sign-in failure counters keyed by an HMAC (``auth/throttle.py``).

The statements are a frozen copy of what hp_agent/db/security.py generates:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \\
        md = load_all().metadata; t = md.tables['login_throttles']; \\
        print(grant_statements('__HP_APP_ROLE__', [t]) + reference_policies(t)); \\
        print(worker_role_statements('__HP_APP_ROLE__', '__HP_WORKER_ROLE__'), PRINCIPAL_FUNCTIONS[-1]); \\
        print([system_policy(md.tables[n]) for n in sorted(WORKER_ONLY_SYSTEM)])"

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"
WORKER_PLACEHOLDER = "__HP_WORKER_ROLE__"

THROTTLE_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "login_throttles" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "login_throttles" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "login_throttles" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "login_throttles_staff" ON "login_throttles" USING (app_current_role() IN (\'admin\', \'system\')) WITH CHECK (app_current_role() IN (\'admin\', \'system\'))',
    'CREATE POLICY "login_throttles_service" ON "login_throttles" USING (true) WITH CHECK (true)',
]
ROLE_STATEMENTS: list[str] = [
    'DO $$ BEGIN\n             CREATE ROLE "hp_system" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;\n           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;\n           END $$',
    'DO $$ BEGIN\n             IF NOT pg_has_role(\'hp_system\', \'__HP_APP_ROLE__\', \'MEMBER\') THEN GRANT "__HP_APP_ROLE__" TO "hp_system"; END IF;\n           END $$',
    'DO $$ BEGIN\n             CREATE ROLE "__HP_WORKER_ROLE__" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;\n           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;\n           END $$',
    'DO $$ BEGIN\n             IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \'__HP_WORKER_ROLE__\'\n                        AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole)) THEN\n               ALTER ROLE "__HP_WORKER_ROLE__" NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;\n             END IF;\n             IF NOT pg_has_role(\'__HP_WORKER_ROLE__\', \'hp_system\', \'MEMBER\') THEN GRANT "hp_system" TO "__HP_WORKER_ROLE__"; END IF;\n           END $$',
]
WORKER_SYSTEM_FUNCTION = "CREATE OR REPLACE FUNCTION app_is_worker_system() RETURNS boolean\n    LANGUAGE sql STABLE AS\n    $$ SELECT app_current_role() = 'system'\n              AND pg_has_role(current_user, 'hp_system', 'USAGE') $$"
# Content tables whose system policy moves from the setting to the role.
WORKER_ONLY_SYSTEM: list[str] = [
    'assessment_responses',
    'chat_messages',
    'chat_sessions',
    'clinical_outcome_measures',
    'conversation_analytics',
    'diagnoses',
    'gratitude_entries',
    'guided_sessions',
    'homework_assignments',
    'journal_entries',
    'medication_intake_logs',
    'medication_side_effect_reports',
    'mood_entries',
    'mood_factors',
    'mood_goals',
    'mood_insights',
    'mood_patterns',
    'safety_plans',
    'session_notes',
    'thought_records',
    'treatment_goals',
    'treatment_plans',
    'user_assessments',
]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _system_policy(table: str, check: str) -> list[str]:
    t = _q(table)
    return [
        f"DROP POLICY IF EXISTS {_q(table + '_system')} ON {t}",
        f"CREATE POLICY {_q(table + '_system')} ON {t} USING ({check}) WITH CHECK ({check})",
    ]


def upgrade() -> None:
    settings = get_settings()
    app_role = settings.app_db_role.replace('"', '""')
    worker_role = settings.worker_db_role.replace('"', '""')
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "window_started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        "ix_login_throttles_window_started_at", "login_throttles", ["window_started_at"], unique=False
    )
    for stmt in THROTTLE_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, app_role))
    for stmt in ROLE_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, app_role).replace(WORKER_PLACEHOLDER, worker_role))
    op.execute(WORKER_SYSTEM_FUNCTION)
    for table in WORKER_ONLY_SYSTEM:
        for stmt in _system_policy(table, "app_is_worker_system()"):
            op.execute(stmt)


def downgrade() -> None:
    for table in WORKER_ONLY_SYSTEM:
        for stmt in _system_policy(table, "app_current_role() = 'system'"):
            op.execute(stmt)
    op.execute("DROP FUNCTION IF EXISTS app_is_worker_system()")
    # Dropping the table drops its policies and grants with it; the roles stay (cluster-wide).
    op.drop_index("ix_login_throttles_window_started_at", table_name="login_throttles")
    op.drop_table("login_throttles")
