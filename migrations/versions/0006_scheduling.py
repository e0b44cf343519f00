"""scheduling: availability, bookings without double booking, waitlist, reminders, feeds

No double booking, enforced by the database: exclusion constraints keep a therapist's live
appointments (and a patient's) from overlapping, and a therapist's active weekly availability
windows from overlapping. The usual spelling, ``EXCLUDE USING gist (therapist_id WITH =, ...)``,
needs the ``btree_gist`` extension for the uuid's ``=``, and the embedded PostgreSQL (pgserver)
ships no contrib extensions. ``sched_uuid_inet(uuid)`` writes the uuid's 128 bits as an IPv6
address instead (exact, so two people never compare equal), and the built-in ``inet_ops`` gist
class provides ``=``. It replaces 0001's unique index on (therapist_id, starts_at), which only
caught bookings with the very same start.

Also: ``calendar_feeds`` (secret iCalendar feed URLs, stored as SHA-256 digests) and the
``url_template`` video provider (a room id filled into ``HP_VIDEO_URL_TEMPLATE``).

The security statements are a frozen copy of what hp_agent/db/security.py generates for the new
table (as 0003 did):

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        t = load_all().metadata.tables['calendar_feeds']; \
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"
LIVE = "status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed')"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "calendar_feeds" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "calendar_feeds" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "calendar_feeds" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "calendar_feeds_owner" ON "calendar_feeds" USING ("user_id" = app_current_user_id())'
    ' WITH CHECK ("user_id" = app_current_user_id())',
    'CREATE POLICY "calendar_feeds_system" ON "calendar_feeds" USING (app_current_role() = \'system\')'
    " WITH CHECK (app_current_role() = 'system')",
]

UUID_INET = """CREATE OR REPLACE FUNCTION sched_uuid_inet(u uuid) RETURNS inet
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
    $$ SELECT regexp_replace(replace(u::text, '-', ''), '(.{4})(?!$)', '\\1:', 'g')::inet $$"""


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    op.execute(UUID_INET)
    op.drop_index(
        "uq_appointments_therapist_start",
        table_name="appointments",
        postgresql_where=sa.text(f"therapist_id IS NOT NULL AND {LIVE}"),
    )
    op.execute(
        "ALTER TABLE appointments ADD CONSTRAINT ex_appointments_therapist_no_overlap "
        "EXCLUDE USING gist (sched_uuid_inet(therapist_id) inet_ops WITH =, "
        f"tstzrange(starts_at, ends_at) WITH &&) WHERE (therapist_id IS NOT NULL AND {LIVE})"
    )
    op.execute(
        "ALTER TABLE appointments ADD CONSTRAINT ex_appointments_patient_no_overlap "
        "EXCLUDE USING gist (sched_uuid_inet(patient_id) inet_ops WITH =, "
        f"tstzrange(starts_at, ends_at) WITH &&) WHERE ({LIVE})"
    )
    op.execute(
        "ALTER TABLE therapist_availability ADD CONSTRAINT ex_therapist_availability_no_overlap "
        "EXCLUDE USING gist (sched_uuid_inet(therapist_id) inet_ops WITH =, "
        "int4range(weekday, weekday, '[]') WITH &&, "
        "numrange(EXTRACT(epoch FROM start_time), EXTRACT(epoch FROM end_time)) WITH &&, "
        "daterange(valid_from, valid_until, '[]') WITH &&) WHERE (is_active)"
    )
    # Usable once this transaction commits (nothing here uses it).
    op.execute("ALTER TYPE video_session_provider ADD VALUE IF NOT EXISTS 'url_template'")

    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_user_id"), "calendar_feeds", ["user_id"], unique=False)
    op.create_index(
        "uq_calendar_feeds_live",
        "calendar_feeds",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    # An enum value cannot be dropped: rebuild the type without it.
    op.execute("DELETE FROM video_sessions WHERE provider = 'url_template'")
    op.execute("ALTER TYPE video_session_provider RENAME TO video_session_provider_0006")
    op.execute("CREATE TYPE video_session_provider AS ENUM ('daily', 'twilio', 'zoom', 'jitsi')")
    op.execute(
        "ALTER TABLE video_sessions ALTER COLUMN provider TYPE video_session_provider "
        "USING provider::text::video_session_provider"
    )
    op.execute("DROP TYPE video_session_provider_0006")
    op.execute("ALTER TABLE therapist_availability DROP CONSTRAINT ex_therapist_availability_no_overlap")
    op.execute("ALTER TABLE appointments DROP CONSTRAINT ex_appointments_patient_no_overlap")
    op.execute("ALTER TABLE appointments DROP CONSTRAINT ex_appointments_therapist_no_overlap")
    op.create_index(
        "uq_appointments_therapist_start",
        "appointments",
        ["therapist_id", "starts_at"],
        unique=True,
        postgresql_where=sa.text(f"therapist_id IS NOT NULL AND {LIVE}"),
    )
    op.execute("DROP FUNCTION sched_uuid_inet(uuid)")
