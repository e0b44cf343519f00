"""analytics: daily rollups for outcomes, crisis operations and engagement

- ``population_health_metrics`` and ``clinical_outcome_metrics``: long-format aggregate rows
  (day, practice, clinician, metric, dimension, value, people behind it), no person column.
- ``analytics_rollup_jobs``: one durable job row per day (the worker's rollup queue).

Security: staff-only reference tables (the statements ``hp_agent/db/security.py`` generates for
a table without an owner), plus a read policy for the current leads of the row's practice,
through a ``SECURITY DEFINER`` check because ``care_practice_members`` is staff-only.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

from hp_agent.config import get_settings

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"
AGGREGATES = ("population_health_metrics", "clinical_outcome_metrics")


def _aggregate_table(name: str) -> str:
    return f"""CREATE TABLE {name} (
        metric_date DATE NOT NULL,
        practice_id UUID,
        clinician_id UUID,
        metric VARCHAR(64) NOT NULL,
        dimension VARCHAR(64) DEFAULT '' NOT NULL,
        value NUMERIC(20, 6) NOT NULL,
        sample_size INTEGER NOT NULL,
        id UUID DEFAULT gen_random_uuid() NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_{name} PRIMARY KEY (id),
        CONSTRAINT uq_{name}_cell UNIQUE NULLS NOT DISTINCT
            (metric_date, practice_id, clinician_id, metric, dimension),
        CONSTRAINT ck_{name}_sample_size_nonnegative CHECK (sample_size >= 0),
        CONSTRAINT ck_{name}_metric_format CHECK (metric ~ '^[a-z0-9_]+$'),
        CONSTRAINT fk_{name}_practice_id_care_practices FOREIGN KEY(practice_id)
            REFERENCES care_practices (id) ON DELETE CASCADE,
        CONSTRAINT fk_{name}_clinician_id_users FOREIGN KEY(clinician_id)
            REFERENCES users (id) ON DELETE CASCADE
    )"""


SECURITY_STATEMENTS: list[str] = [
    # Definer rights: leads cannot read care_practice_members themselves (staff-only table).
    """CREATE OR REPLACE FUNCTION analytics_is_practice_lead(practice uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
    $$ SELECT app_current_role() = 'therapist' AND EXISTS (
         SELECT 1 FROM care_practice_members m
         WHERE m.practice_id = practice
           AND m.clinician_id = app_current_user_id()
           AND m.role = 'lead'
           AND m.left_at IS NULL) $$""",
    'GRANT EXECUTE ON FUNCTION analytics_is_practice_lead(uuid) TO "__HP_APP_ROLE__"',
    # The practices the current clinician leads (id and name), for the dashboard's scope list.
    """CREATE OR REPLACE FUNCTION analytics_led_practices() RETURNS TABLE (id uuid, name text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
    $$ SELECT p.id, p.name::text FROM care_practices p JOIN care_practice_members m ON m.practice_id = p.id
       WHERE app_current_role() = 'therapist' AND m.clinician_id = app_current_user_id()
         AND m.role = 'lead' AND m.left_at IS NULL ORDER BY p.name $$""",
    'GRANT EXECUTE ON FUNCTION analytics_led_practices() TO "__HP_APP_ROLE__"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "analytics_rollup_jobs" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "analytics_rollup_jobs" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "analytics_rollup_jobs" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "analytics_rollup_jobs_staff" ON "analytics_rollup_jobs" USING '
    "(app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
]
for _t in AGGREGATES:
    SECURITY_STATEMENTS += [
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{_t}" TO "__HP_APP_ROLE__"',
        f'ALTER TABLE "{_t}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{_t}" FORCE ROW LEVEL SECURITY',
        f'CREATE POLICY "{_t}_staff" ON "{_t}" USING '
        "(app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
        f'CREATE POLICY "{_t}_lead_read" ON "{_t}" FOR SELECT USING '
        "(practice_id IS NOT NULL AND analytics_is_practice_lead(practice_id))",
    ]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    for name in AGGREGATES:
        op.execute(_aggregate_table(name))
        op.execute(f"CREATE INDEX ix_{name}_clinician_id ON {name} (clinician_id)")
        op.execute(f"CREATE INDEX ix_{name}_practice_id ON {name} (practice_id)")
        op.execute(f"CREATE INDEX ix_{name}_metric_date ON {name} (metric, metric_date)")
    op.execute("CREATE TYPE analytics_rollup_job_status AS ENUM ('pending', 'done', 'failed')")
    op.execute(
        """CREATE TABLE analytics_rollup_jobs (
        metric_date DATE NOT NULL,
        status analytics_rollup_job_status DEFAULT 'pending' NOT NULL,
        attempts SMALLINT DEFAULT '0' NOT NULL,
        run_after TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        finished_at TIMESTAMP WITH TIME ZONE,
        duration_ms INTEGER,
        rows_written INTEGER,
        error VARCHAR(120),
        id UUID DEFAULT gen_random_uuid() NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_analytics_rollup_jobs PRIMARY KEY (id),
        CONSTRAINT ck_analytics_rollup_jobs_attempts_nonnegative CHECK (attempts >= 0),
        CONSTRAINT uq_analytics_rollup_jobs_metric_date UNIQUE (metric_date)
    )"""
    )
    op.execute(
        "CREATE INDEX ix_analytics_rollup_jobs_due ON analytics_rollup_jobs (run_after) "
        "WHERE status IN ('pending', 'failed')"
    )
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping a table drops its policies and grants with it.
    op.execute("DROP TABLE analytics_rollup_jobs")
    op.execute("DROP TYPE analytics_rollup_job_status")
    for name in AGGREGATES:
        op.execute(f"DROP TABLE {name}")
    op.execute("DROP FUNCTION analytics_is_practice_lead(uuid)")
    op.execute("DROP FUNCTION analytics_led_practices()")
