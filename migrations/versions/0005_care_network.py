"""care network: clinician invitations, verification, relationship requests, routing

New tables: ``clinician_invitations`` (admin → clinician, token stored as a digest),
``care_invite_codes`` (clinician → patient), ``care_practices`` and ``care_practice_members``
(clinic leads roster on-call shifts and set backups). Two more consent flags on
``therapeutic_relationships`` (mood, assessments), which the relationship guard trigger now also
keeps in the patient's hands, the patient's consent time on ``referrals``, and a guard trigger on
``clinician_profiles`` (only admins and the system actor verify a clinician or set their cover).

The security statements are a frozen copy of what hp_agent/db/security.py generates for the new
tables (as 0003 did):

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        t = load_all().metadata.tables['care_invite_codes']; \
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"
_STAFF = "app_current_role() IN ('admin', 'system')"


def _staff_only(table: str) -> list[str]:
    return [
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO "__HP_APP_ROLE__"',
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'CREATE POLICY "{table}_staff" ON "{table}" USING ({_STAFF}) WITH CHECK ({_STAFF})',
    ]


SECURITY_STATEMENTS: list[str] = [
    *_staff_only("care_practices"),
    *_staff_only("clinician_invitations"),
    *_staff_only("care_practice_members"),
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "care_invite_codes" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "care_invite_codes" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "care_invite_codes" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "care_invite_codes_owner" ON "care_invite_codes"'
    ' USING ("clinician_id" = app_current_user_id()) WITH CHECK ("clinician_id" = app_current_user_id())',
    'CREATE POLICY "care_invite_codes_system" ON "care_invite_codes"'
    " USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
]


def _guard(consents: Sequence[str]) -> str:
    """The relationship guard of 0002, over the given consent columns."""
    granted_on_insert = " OR ".join(f"NEW.{c}" for c in consents)
    granted_on_update = "\n         OR ".join(f"(NEW.{c} AND NOT OLD.{c})" for c in consents)
    return f"""CREATE OR REPLACE FUNCTION therapeutic_relationships_guard() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      IF app_current_role() IN ('admin', 'system') OR app_current_user_id() = NEW.patient_id THEN
        RETURN NEW;
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending' OR NEW.patient_consented_at IS NOT NULL
           OR {granted_on_insert} THEN
          RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
      ELSIF (NEW.status = 'active' AND OLD.status <> 'active')
         OR NEW.patient_consented_at IS DISTINCT FROM OLD.patient_consented_at
         OR {granted_on_update}
         OR NEW.patient_id <> OLD.patient_id OR NEW.therapist_id <> OLD.therapist_id THEN
        RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$"""


# A clinician owns their profile row (RLS) but must not verify themselves, change the licence an
# admin checked, or pick their own backup or on-call flag: only admins and the system actor may.
PROFILE_GUARD = [
    """CREATE OR REPLACE FUNCTION clinician_profiles_guard() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      IF app_current_role() IN ('admin', 'system') THEN
        RETURN NEW;
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending_verification' OR NEW.license_verified_at IS NOT NULL
           OR NEW.license_verified_by IS NOT NULL OR NEW.backup_clinician_id IS NOT NULL
           OR NEW.is_on_call THEN
          RAISE EXCEPTION 'only an administrator can verify a clinician or set their cover'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
      ELSIF NEW.status IS DISTINCT FROM OLD.status
         OR NEW.license_verified_at IS DISTINCT FROM OLD.license_verified_at
         OR NEW.license_verified_by IS DISTINCT FROM OLD.license_verified_by
         OR NEW.license_number IS DISTINCT FROM OLD.license_number
         OR NEW.license_country IS DISTINCT FROM OLD.license_country
         OR NEW.license_state IS DISTINCT FROM OLD.license_state
         OR NEW.backup_clinician_id IS DISTINCT FROM OLD.backup_clinician_id
         OR NEW.is_on_call IS DISTINCT FROM OLD.is_on_call
         OR NEW.user_id <> OLD.user_id THEN
        RAISE EXCEPTION 'only an administrator can verify a clinician or set their cover'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER clinician_profiles_guard BEFORE INSERT OR UPDATE ON clinician_profiles
    FOR EACH ROW EXECUTE FUNCTION clinician_profiles_guard()""",
]

OLD_CONSENTS = ("consent_to_share_journal", "consent_to_share_chat", "consent_to_share_safety_plan")
NEW_CONSENTS = (*OLD_CONSENTS, "consent_to_share_mood", "consent_to_share_assessments")


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "care_practices",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_care_practices_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_practices")),
    )
    op.create_index(op.f("ix_care_practices_created_by"), "care_practices", ["created_by"], unique=False)

    op.create_table(
        "clinician_invitations",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("invited_by", sa.UUID(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.UUID(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "accepted_at IS NULL OR account_id IS NOT NULL",
            name=op.f("ck_clinician_invitations_accepted_has_user"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_clinician_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["users.id"],
            name=op.f("fk_clinician_invitations_account_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinician_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_clinician_invitations_token_hash")),
    )
    op.create_index("ix_clinician_invitations_email", "clinician_invitations", ["email"], unique=False)
    for column in ("invited_by", "account_id"):
        op.create_index(
            op.f(f"ix_clinician_invitations_{column}"), "clinician_invitations", [column], unique=False
        )

    role_enum = sa.Enum(
        "primary_therapist",
        "psychiatrist",
        "counselor",
        "care_coordinator",
        name="therapeutic_relationship_role",
        create_type=False,
    )
    op.create_table(
        "care_invite_codes",
        sa.Column("clinician_id", sa.UUID(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("role", role_enum, server_default="primary_therapist", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.UUID(), nullable=True),
        sa.Column("relationship_id", sa.UUID(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "used_at IS NULL OR used_by IS NOT NULL", name=op.f("ck_care_invite_codes_used_has_patient")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_care_invite_codes_clinician_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["therapeutic_relationships.id"],
            name=op.f("fk_care_invite_codes_relationship_id_therapeutic_relationships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["users.id"], name=op.f("fk_care_invite_codes_used_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_invite_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_care_invite_codes_code_hash")),
    )
    for column in ("clinician_id", "relationship_id", "used_by"):
        op.create_index(op.f(f"ix_care_invite_codes_{column}"), "care_invite_codes", [column], unique=False)

    op.create_table(
        "care_practice_members",
        sa.Column("practice_id", sa.UUID(), nullable=False),
        sa.Column("clinician_id", sa.UUID(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("lead", "member", name="care_practice_member_role"),
            server_default="member",
            nullable=False,
        ),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_care_practice_members_clinician_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["care_practices.id"],
            name=op.f("fk_care_practice_members_practice_id_care_practices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_practice_members")),
    )
    for column in ("clinician_id", "practice_id"):
        op.create_index(
            op.f(f"ix_care_practice_members_{column}"), "care_practice_members", [column], unique=False
        )
    op.create_index(
        "uq_care_practice_members_current",
        "care_practice_members",
        ["practice_id", "clinician_id"],
        unique=True,
        postgresql_where=sa.text("left_at IS NULL"),
    )

    op.add_column("referrals", sa.Column("patient_consented_at", sa.DateTime(timezone=True), nullable=True))
    for column in ("consent_to_share_mood", "consent_to_share_assessments"):
        op.add_column(
            "therapeutic_relationships",
            sa.Column(column, sa.Boolean(), server_default=sa.text("false"), nullable=False),
        )
    op.execute(_guard(NEW_CONSENTS))
    for stmt in PROFILE_GUARD:
        op.execute(stmt)

    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping a table drops its policies and grants with it.
    op.execute("DROP TRIGGER IF EXISTS clinician_profiles_guard ON clinician_profiles")
    op.execute("DROP FUNCTION IF EXISTS clinician_profiles_guard()")
    op.execute(_guard(OLD_CONSENTS))
    op.drop_column("therapeutic_relationships", "consent_to_share_assessments")
    op.drop_column("therapeutic_relationships", "consent_to_share_mood")
    op.drop_column("referrals", "patient_consented_at")
    op.drop_table("care_practice_members")
    op.drop_table("care_invite_codes")
    op.drop_table("clinician_invitations")
    op.drop_table("care_practices")
    op.execute("DROP TYPE IF EXISTS care_practice_member_role")
