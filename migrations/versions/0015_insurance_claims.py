"""insurance claims: member details on policies, one claim per therapy session, 835 postings

Policies get the covered person's name, birth date, sex and address (encrypted; the 270 and 837
need them), claims point at the therapy session they bill (one live claim per session), and two
staff-only tables record each 835 payment and what it said about each claim.

The security statements are a frozen copy of what hp_agent/db/security.py generates for the new
tables, as 0013 froze them for conversation_memories:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        md = load_all().metadata; \
        ts = [md.tables[n] for n in ('insurance_remittances', 'insurance_claim_payments')]; \
        print(grant_statements('__HP_APP_ROLE__', ts) + [s for t in ts for s in reference_policies(t)])"

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hp_agent.config import get_settings

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"
_STAFF = "(app_current_role() = 'admin' OR app_is_worker_system())"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "insurance_remittances" TO "__HP_APP_ROLE__"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "insurance_claim_payments" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "insurance_remittances" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "insurance_remittances" FORCE ROW LEVEL SECURITY',
    f'CREATE POLICY "insurance_remittances_staff" ON "insurance_remittances" USING ({_STAFF})'
    f" WITH CHECK ({_STAFF})",
    'ALTER TABLE "insurance_claim_payments" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "insurance_claim_payments" FORCE ROW LEVEL SECURITY',
    f'CREATE POLICY "insurance_claim_payments_staff" ON "insurance_claim_payments" USING ({_STAFF})'
    f" WITH CHECK ({_STAFF})",
    # ISA13/GS06 control numbers of the interchanges we send (837, 270): unique per sender.
    'GRANT USAGE, SELECT ON SEQUENCE "x12_interchange_control_numbers" TO "__HP_APP_ROLE__"',
]

_MEMBER_TEXT = ("member_first_name", "member_last_name", "member_date_of_birth", "member_address")


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    for name in _MEMBER_TEXT:
        op.add_column("insurance_policies", sa.Column(name, sa.LargeBinary(), nullable=True))
    op.add_column("insurance_policies", sa.Column("member_gender", sa.CHAR(length=1), nullable=True))
    op.create_check_constraint(
        op.f("ck_insurance_policies_member_gender_code"),
        "insurance_policies",
        "member_gender IN ('F', 'M', 'U')",
    )
    op.add_column("insurance_claims", sa.Column("therapy_session_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_insurance_claims_therapy_session_id_therapy_sessions"),
        "insurance_claims",
        "therapy_sessions",
        ["therapy_session_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "uq_insurance_claims_session",
        "insurance_claims",
        ["therapy_session_id"],
        unique=True,
        postgresql_where=sa.text("therapy_session_id IS NOT NULL AND status <> 'voided'"),
    )
    op.create_table(
        "insurance_remittances",
        sa.Column("payer_id", sa.UUID(), nullable=True),
        sa.Column("trace_number", sa.String(length=50), nullable=False),
        sa.Column("payment_method", sa.String(length=3), nullable=False),
        sa.Column("total_paid", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.CHAR(length=3), server_default="USD", nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("document_sha256", sa.CHAR(length=64), nullable=False),
        sa.Column("claims_count", sa.SmallInteger(), nullable=False),
        sa.Column("posted_by", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "source IN ('inbox', 'upload')", name=op.f("ck_insurance_remittances_source_known")
        ),
        sa.CheckConstraint(
            "claims_count >= 0", name=op.f("ck_insurance_remittances_claims_count_nonnegative")
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_insurance_remittances_currency_iso")),
        sa.ForeignKeyConstraint(
            ["payer_id"],
            ["insurance_payers.id"],
            name=op.f("fk_insurance_remittances_payer_id_insurance_payers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["posted_by"],
            ["users.id"],
            name=op.f("fk_insurance_remittances_posted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_remittances")),
        sa.UniqueConstraint("document_sha256", name=op.f("uq_insurance_remittances_document_sha256")),
    )
    op.create_index(op.f("ix_insurance_remittances_payer_id"), "insurance_remittances", ["payer_id"])
    op.create_index(op.f("ix_insurance_remittances_posted_by"), "insurance_remittances", ["posted_by"])
    op.create_table(
        "insurance_claim_payments",
        sa.Column("remittance_id", sa.UUID(), nullable=False),
        sa.Column("claim_id", sa.UUID(), nullable=False),
        sa.Column("status_code", sa.String(length=2), nullable=False),
        sa.Column("charge_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("patient_responsibility", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.CHAR(length=3), server_default="USD", nullable=False),
        sa.Column(
            "adjustments",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("invoice_id", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "charge_amount >= 0 AND patient_responsibility >= 0",
            name=op.f("ck_insurance_claim_payments_amounts_nonnegative"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_insurance_claim_payments_currency_iso")),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["insurance_remittances.id"],
            name=op.f("fk_insurance_claim_payments_remittance_id_insurance_remittances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["insurance_claims.id"],
            name=op.f("fk_insurance_claim_payments_claim_id_insurance_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_insurance_claim_payments_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_claim_payments")),
        sa.UniqueConstraint(
            "remittance_id", "claim_id", name=op.f("uq_insurance_claim_payments_remittance_id_claim_id")
        ),
    )
    for col in ("remittance_id", "claim_id", "invoice_id"):
        op.create_index(op.f(f"ix_insurance_claim_payments_{col}"), "insurance_claim_payments", [col])
    op.execute("CREATE SEQUENCE x12_interchange_control_numbers MINVALUE 1 MAXVALUE 999999999 CYCLE")
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping the tables drops their policies and grants with them.
    op.execute("DROP SEQUENCE x12_interchange_control_numbers")
    op.drop_table("insurance_claim_payments")
    op.drop_table("insurance_remittances")
    op.drop_index("uq_insurance_claims_session", table_name="insurance_claims")
    op.drop_constraint(
        op.f("fk_insurance_claims_therapy_session_id_therapy_sessions"),
        "insurance_claims",
        type_="foreignkey",
    )
    op.drop_column("insurance_claims", "therapy_session_id")
    op.drop_constraint(op.f("ck_insurance_policies_member_gender_code"), "insurance_policies", type_="check")
    for name in ("member_gender", *_MEMBER_TEXT):
        op.drop_column("insurance_policies", name)
