"""Insurance & Billing tables.

Insurance here is US insurance (CPT and ICD-10 codes, X12 270/271 eligibility and 837P claims),
so insurance amounts default to USD. Money is ``Numeric(12, 2)`` next to an ISO 4217 ``currency``.

Nothing in this module is for the patient's therapist to browse: insurance member ids, coverage
and balances are back-office data (``therapist_read=False``). Deleting a user cascades to all of
their billing rows; legal retention of billing records is the account-deletion workflow's job
(it exports to the compliance archive first). Rows keep non-FK copies of what an auditor or a
payer needs after other people are deleted (the rendering provider's NPI on claims).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hp_agent.db.base import (
    CURRENCY_CHECK,
    EMPTY_JSON_OBJECT,
    MONEY,
    USERS_ID,
    Base,
    CreatedAt,
    Timestamps,
    UUIDPk,
    pg_enum,
    rls,
)
from hp_agent.db.crypto import EncryptedText


class PayerType(str, enum.Enum):
    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    TRICARE = "tricare"
    # Employee assistance programmes commonly pay for a short course of therapy sessions.
    EAP = "eap"
    OTHER = "other"


class PlanType(str, enum.Enum):
    HMO = "hmo"
    PPO = "ppo"
    EPO = "epo"
    POS = "pos"
    HDHP = "hdhp"
    MEDICARE_ADVANTAGE = "medicare_advantage"
    MEDICAID_MANAGED = "medicaid_managed"
    OTHER = "other"


class CoveragePriority(str, enum.Enum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


class PolicyStatus(str, enum.Enum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    INACTIVE = "inactive"
    TERMINATED = "terminated"


class SubscriberRelationship(str, enum.Enum):
    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


class EligibilityStatus(str, enum.Enum):
    PENDING = "pending"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    ERROR = "error"


class ClaimStatus(str, enum.Enum):
    DRAFT = "draft"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  # passed clearing-house edits, awaiting adjudication
    REJECTED = "rejected"  # refused before adjudication (fix and resubmit)
    DENIED = "denied"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    APPEALED = "appealed"
    VOIDED = "voided"


class ClaimLineStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    ADJUSTED = "adjusted"
    DENIED = "denied"


class InvoiceStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class InvoiceItemKind(str, enum.Enum):
    SUBSCRIPTION = "subscription"
    SESSION = "session"
    COPAY = "copay"
    COINSURANCE = "coinsurance"
    DEDUCTIBLE = "deductible"
    LATE_CANCELLATION_FEE = "late_cancellation_fee"
    NO_SHOW_FEE = "no_show_fee"
    ADJUSTMENT = "adjustment"
    CREDIT = "credit"


PAYER_TYPE = pg_enum(PayerType, "insurance_payer_type")
PLAN_TYPE = pg_enum(PlanType, "insurance_plan_type")
COVERAGE_PRIORITY = pg_enum(CoveragePriority, "insurance_coverage_priority")
POLICY_STATUS = pg_enum(PolicyStatus, "insurance_policy_status")
SUBSCRIBER_RELATIONSHIP = pg_enum(SubscriberRelationship, "insurance_subscriber_relationship")
ELIGIBILITY_STATUS = pg_enum(EligibilityStatus, "insurance_eligibility_status")
CLAIM_STATUS = pg_enum(ClaimStatus, "insurance_claim_status")
CLAIM_LINE_STATUS = pg_enum(ClaimLineStatus, "insurance_claim_line_status")
INVOICE_STATUS = pg_enum(InvoiceStatus, "invoice_status")
INVOICE_ITEM_KIND = pg_enum(InvoiceItemKind, "invoice_item_kind")


class InsurancePayer(UUIDPk, Timestamps, Base):
    """Reference: an insurance company as the clearing house knows it."""

    __tablename__ = "insurance_payers"

    name: Mapped[str] = mapped_column(String(200))
    # Clearing-house payer id put on 270 and 837 transactions; also the seed key.
    payer_code: Mapped[str] = mapped_column(String(20), unique=True)
    payer_type: Mapped[PayerType] = mapped_column(PAYER_TYPE)
    supports_electronic_claims: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    supports_eligibility_checks: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    # Days after the service date within which the payer accepts a claim.
    timely_filing_days: Mapped[int | None] = mapped_column(SmallInteger)
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(300))
    claims_address: Mapped[dict[str, Any] | None]
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", server_default=EMPTY_JSON_OBJECT, default=dict
    )

    __table_args__ = (
        CheckConstraint("timely_filing_days > 0", name="timely_filing_days_positive"),
        Index("ix_insurance_payers_active_name", "name", postgresql_where=text("is_active")),
    )


class InsurancePlan(UUIDPk, Timestamps, Base):
    """Reference: one product of a payer, with typical behavioural-health cost sharing."""

    __tablename__ = "insurance_plans"

    # Reference data is deactivated, not deleted, while policies point at it. Indexed by the
    # (payer_id, plan_code) unique constraint.
    payer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insurance_payers.id", ondelete="RESTRICT"))
    plan_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    plan_type: Mapped[PlanType] = mapped_column(PLAN_TYPE)
    covers_behavioral_health: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    covers_telehealth: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    requires_preauthorization: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    default_copay_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    default_coinsurance_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        UniqueConstraint("payer_id", "plan_code"),
        CheckConstraint("default_copay_amount >= 0", name="copay_nonnegative"),
        CheckConstraint("default_coinsurance_percent BETWEEN 0 AND 100", name="coinsurance_percent_range"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
    )


class InsurancePolicy(UUIDPk, Timestamps, Base):
    """A person's coverage: the card they entered, with cost sharing as last verified."""

    __tablename__ = "insurance_policies"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    payer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("insurance_payers.id", ondelete="RESTRICT"), index=True
    )
    # Optional: people often know their payer but not the exact plan.
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("insurance_plans.id", ondelete="RESTRICT"), index=True
    )
    priority: Mapped[CoveragePriority] = mapped_column(
        COVERAGE_PRIORITY, server_default=CoveragePriority.PRIMARY.value, default=CoveragePriority.PRIMARY
    )
    status: Mapped[PolicyStatus] = mapped_column(
        POLICY_STATUS,
        server_default=PolicyStatus.PENDING_VERIFICATION.value,
        default=PolicyStatus.PENDING_VERIFICATION,
    )
    member_id: Mapped[str] = mapped_column(EncryptedText)
    # Shown in the app ("…1234") without decrypting the member id.
    member_id_last4: Mapped[str | None] = mapped_column(String(4))
    group_number: Mapped[str | None] = mapped_column(EncryptedText)
    subscriber_relationship: Mapped[SubscriberRelationship] = mapped_column(
        SUBSCRIBER_RELATIONSHIP,
        server_default=SubscriberRelationship.SELF.value,
        default=SubscriberRelationship.SELF,
    )
    # The policyholder when it is someone else (a parent, a spouse): their PII, encrypted
    # (date of birth as an ISO date string).
    subscriber_name: Mapped[str | None] = mapped_column(EncryptedText)
    subscriber_date_of_birth: Mapped[str | None] = mapped_column(EncryptedText)
    # The covered person as the payer knows them (name, birth date and sex as on the card, home
    # address), needed on 270 inquiries and 837 claims; encrypted like the member id.
    member_first_name: Mapped[str | None] = mapped_column(EncryptedText)
    member_last_name: Mapped[str | None] = mapped_column(EncryptedText)
    member_date_of_birth: Mapped[str | None] = mapped_column(EncryptedText)  # ISO date
    # X12 DMG03: F, M or U (unknown).
    member_gender: Mapped[str | None] = mapped_column(CHAR(1))
    # JSON: {"line1", "line2", "city", "state", "postal_code"}.
    member_address: Mapped[str | None] = mapped_column(EncryptedText)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    termination_date: Mapped[dt.date | None] = mapped_column(Date)
    copay_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    coinsurance_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    deductible_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    deductible_met_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    out_of_pocket_max: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    # Object-storage keys of the card photos (the files are encrypted at rest by the store).
    card_front_file_key: Mapped[str | None] = mapped_column(String(512))
    card_back_file_key: Mapped[str | None] = mapped_column(String(512))
    last_verified_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("member_id_last4 ~ '^[A-Za-z0-9]{1,4}$'", name="member_id_last4_format"),
        CheckConstraint("member_gender IN ('F', 'M', 'U')", name="member_gender_code"),
        CheckConstraint(
            "termination_date IS NULL OR effective_date IS NULL OR termination_date >= effective_date",
            name="dates_ordered",
        ),
        CheckConstraint(
            "copay_amount >= 0 AND deductible_amount >= 0 AND deductible_met_amount >= 0 "
            "AND out_of_pocket_max >= 0",
            name="amounts_nonnegative",
        ),
        CheckConstraint("coinsurance_percent BETWEEN 0 AND 100", name="coinsurance_percent_range"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        # Coordination of benefits: one active primary (secondary, ...) policy at a time.
        Index(
            "uq_insurance_policies_active_priority",
            "user_id",
            "priority",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        rls(therapist_read=False),
    )


class EligibilityCheck(UUIDPk, CreatedAt, Base):
    """One X12 270/271 round trip (append-only): is the person covered for therapy, and how."""

    __tablename__ = "insurance_eligibility_checks"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Indexed by ix_insurance_eligibility_checks_policy_checked.
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insurance_policies.id", ondelete="CASCADE"))
    status: Mapped[EligibilityStatus] = mapped_column(ELIGIBILITY_STATUS)
    # X12 service type code asked about; "MH" is mental health.
    service_type_code: Mapped[str] = mapped_column(String(4), server_default="MH", default="MH")
    clearinghouse_request_id: Mapped[str | None] = mapped_column(String(128))
    checked_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    coverage_active: Mapped[bool | None]
    in_network: Mapped[bool | None]
    preauthorization_required: Mapped[bool | None]
    copay_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    coinsurance_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    deductible_remaining: Mapped[Decimal | None] = mapped_column(MONEY)
    out_of_pocket_remaining: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    sessions_allowed: Mapped[int | None] = mapped_column(SmallInteger)
    sessions_used: Mapped[int | None] = mapped_column(SmallInteger)
    # AAA rejection / error codes from the 271; structured, no free text about the person.
    error_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), server_default=text("'{}'"), default=list
    )
    # Parsed benefit segments kept for support; the raw 271 is not stored.
    response_summary: Mapped[dict[str, Any]] = mapped_column(server_default=EMPTY_JSON_OBJECT, default=dict)

    __table_args__ = (
        CheckConstraint(
            "copay_amount >= 0 AND deductible_remaining >= 0 AND out_of_pocket_remaining >= 0",
            name="amounts_nonnegative",
        ),
        CheckConstraint("coinsurance_percent BETWEEN 0 AND 100", name="coinsurance_percent_range"),
        CheckConstraint("sessions_allowed >= 0 AND sessions_used >= 0", name="sessions_nonnegative"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("ix_insurance_eligibility_checks_policy_checked", "policy_id", "checked_at"),
        Index("ix_insurance_eligibility_checks_user_created", "user_id", "created_at"),
        rls(therapist_read=False),
    )


class InsuranceClaim(UUIDPk, Timestamps, Base):
    """A professional claim (837P) for one or more services, usually one appointment."""

    __tablename__ = "insurance_claims"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    policy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("insurance_policies.id", ondelete="SET NULL"), index=True
    )
    payer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("insurance_payers.id", ondelete="RESTRICT"), index=True
    )
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"), index=True
    )
    # The documented encounter billed; one live claim per session (uq_insurance_claims_session).
    therapy_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("therapy_sessions.id", ondelete="SET NULL")
    )
    # Our patient control number (CLM01); the payer's claim control number once adjudicated.
    claim_number: Mapped[str] = mapped_column(String(38), unique=True)
    payer_claim_number: Mapped[str | None] = mapped_column(String(64))
    clearinghouse_claim_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[ClaimStatus] = mapped_column(
        CLAIM_STATUS, server_default=ClaimStatus.DRAFT.value, default=ClaimStatus.DRAFT
    )
    service_date_from: Mapped[dt.date] = mapped_column(Date)
    service_date_to: Mapped[dt.date] = mapped_column(Date)
    # ICD-10-CM codes in claim order; line items point at them by position.
    diagnosis_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(8)), server_default=text("'{}'"), default=list
    )
    # CMS place-of-service code: "02"/"10" telehealth, "11" office.
    place_of_service: Mapped[str] = mapped_column(CHAR(2))
    # FK for navigation while the therapist exists; the NPI is the legal identity on the claim
    # and survives the therapist's account deletion.
    rendering_provider_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    rendering_provider_npi: Mapped[str] = mapped_column(CHAR(10))
    billing_provider_npi: Mapped[str] = mapped_column(CHAR(10))
    prior_authorization_number: Mapped[str | None] = mapped_column(String(64))
    total_charge: Mapped[Decimal] = mapped_column(MONEY)
    allowed_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    patient_responsibility: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    # CARC/RARC adjustment reason codes from the 835; no free-text denial narrative.
    adjustment_reason_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(8)), server_default=text("'{}'"), default=list
    )
    submitted_at: Mapped[dt.datetime | None]
    adjudicated_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]
    # Resubmissions and voids point at the claim they replace (CLM05-3 frequency 7/8).
    replaces_claim_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("insurance_claims.id", ondelete="SET NULL"), index=True
    )

    lines: Mapped[list[InsuranceClaimLine]] = relationship(
        back_populates="claim", lazy="raise", passive_deletes=True, order_by="InsuranceClaimLine.line_number"
    )

    __table_args__ = (
        CheckConstraint("service_date_to >= service_date_from", name="service_dates_ordered"),
        CheckConstraint(
            "total_charge >= 0 AND allowed_amount >= 0 AND paid_amount >= 0 AND patient_responsibility >= 0",
            name="amounts_nonnegative",
        ),
        CheckConstraint(
            "rendering_provider_npi ~ '^[0-9]{10}$' AND billing_provider_npi ~ '^[0-9]{10}$'",
            name="npi_format",
        ),
        CheckConstraint("place_of_service ~ '^[0-9]{2}$'", name="place_of_service_format"),
        CheckConstraint("cardinality(diagnosis_codes) <= 12", name="at_most_12_diagnoses"),
        CheckConstraint(
            "status IN ('draft', 'ready') OR submitted_at IS NOT NULL", name="submitted_has_time"
        ),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("ix_insurance_claims_patient_created", "patient_id", "created_at"),
        Index(
            "uq_insurance_claims_session",
            "therapy_session_id",
            unique=True,
            postgresql_where=text("therapy_session_id IS NOT NULL AND status <> 'voided'"),
        ),
        # Work queue of claims still moving through the payer.
        Index(
            "ix_insurance_claims_open_status",
            "status",
            "submitted_at",
            postgresql_where=text("status IN ('ready', 'submitted', 'accepted', 'appealed')"),
        ),
        Index(
            "uq_insurance_claims_payer_claim_number",
            "payer_id",
            "payer_claim_number",
            unique=True,
            postgresql_where=text("payer_claim_number IS NOT NULL"),
        ),
        rls("patient_id", therapist_read=False),
    )


class InsuranceClaimLine(UUIDPk, Timestamps, Base):
    """One service line of a claim: CPT code, modifiers, units and charge."""

    __tablename__ = "insurance_claim_lines"

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insurance_claims.id", ondelete="CASCADE"))
    # Denormalised from the claim so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    line_number: Mapped[int] = mapped_column(SmallInteger)
    service_date: Mapped[dt.date] = mapped_column(Date)
    cpt_code: Mapped[str] = mapped_column(CHAR(5))
    # e.g. 95 / GT (telehealth), HO (master's-level clinician).
    modifiers: Mapped[list[str]] = mapped_column(ARRAY(CHAR(2)), server_default=text("'{}'"), default=list)
    # 1-based positions into the claim's diagnosis_codes; usually just the primary one.
    diagnosis_pointers: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), server_default=text("'{1}'"), default=lambda: [1]
    )
    units: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    charge_amount: Mapped[Decimal] = mapped_column(MONEY)
    allowed_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    adjustment_amount: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    status: Mapped[ClaimLineStatus] = mapped_column(
        CLAIM_LINE_STATUS, server_default=ClaimLineStatus.PENDING.value, default=ClaimLineStatus.PENDING
    )
    adjustment_reason_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(8)), server_default=text("'{}'"), default=list
    )

    claim: Mapped[InsuranceClaim] = relationship(back_populates="lines", lazy="raise")

    __table_args__ = (
        UniqueConstraint("claim_id", "line_number"),
        CheckConstraint("line_number BETWEEN 1 AND 50", name="line_number_range"),
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint("cpt_code ~ '^[0-9]{4}[0-9A-Z]$'", name="cpt_code_format"),
        CheckConstraint("cardinality(diagnosis_pointers) BETWEEN 1 AND 4", name="diagnosis_pointers_count"),
        CheckConstraint("cardinality(modifiers) <= 4", name="at_most_4_modifiers"),
        CheckConstraint(
            "charge_amount >= 0 AND allowed_amount >= 0 AND paid_amount >= 0",
            name="amounts_nonnegative",
        ),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        rls("patient_id", therapist_read=False),
    )


class Invoice(UUIDPk, Timestamps, Base):
    """What we bill the person: a subscription period, self-pay sessions, copays and fees."""

    __tablename__ = "invoices"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    invoice_number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        INVOICE_STATUS, server_default=InvoiceStatus.DRAFT.value, default=InvoiceStatus.DRAFT
    )
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_subscriptions.id", ondelete="SET NULL"), index=True
    )
    # Set when the payment processor issued the invoice (subscription renewals).
    processor_invoice_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    issued_at: Mapped[dt.datetime | None]
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    paid_at: Mapped[dt.datetime | None]
    voided_at: Mapped[dt.datetime | None]
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount_total: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(MONEY)
    amount_paid: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    # Generated so the balance can never disagree with the totals.
    amount_due: Mapped[Decimal] = mapped_column(MONEY, Computed("total - amount_paid", persisted=True))
    currency: Mapped[str] = mapped_column(CHAR(3))
    pdf_file_key: Mapped[str | None] = mapped_column(String(512))
    memo: Mapped[str | None] = mapped_column(String(500))

    items: Mapped[list[InvoiceItem]] = relationship(
        back_populates="invoice", lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(
            "subtotal >= 0 AND discount_total >= 0 AND tax_total >= 0 AND total >= 0",
            name="amounts_nonnegative",
        ),
        CheckConstraint("total = subtotal - discount_total + tax_total", name="total_adds_up"),
        CheckConstraint("amount_paid BETWEEN 0 AND total", name="amount_paid_range"),
        CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_ordered"),
        CheckConstraint("status <> 'paid' OR paid_at IS NOT NULL", name="paid_has_time"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("ix_invoices_user_created", "user_id", "created_at"),
        # Dunning: open invoices by due date.
        Index("ix_invoices_open_due", "due_date", postgresql_where=text("status = 'open'")),
        rls(therapist_read=False),
    )


class InvoiceItem(UUIDPk, Timestamps, Base):
    """A line on an invoice, pointing at what it charges for (session, claim, subscription)."""

    __tablename__ = "invoice_items"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    # Denormalised from the invoice so the same RLS policy applies.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    kind: Mapped[InvoiceItemKind] = mapped_column(INVOICE_ITEM_KIND)
    # Product wording ("Video session, 50 min"); never a diagnosis or a clinical note.
    description: Mapped[str] = mapped_column(String(255))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"), index=True
    )
    claim_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("insurance_claims.id", ondelete="SET NULL"), index=True
    )
    subscription_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscription_plans.id", ondelete="SET NULL"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, server_default="1", default=1)
    unit_amount: Mapped[Decimal] = mapped_column(MONEY)
    # Negative for credits and discounts.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)

    invoice: Mapped[Invoice] = relationship(back_populates="items", lazy="raise")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "kind IN ('credit', 'adjustment') OR (unit_amount >= 0 AND amount >= 0)",
            name="charges_nonnegative",
        ),
        CheckConstraint("kind <> 'credit' OR amount <= 0", name="credit_nonpositive"),
        CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_ordered"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        rls(therapist_read=False),
    )


class InsuranceRemittance(UUIDPk, CreatedAt, Base):
    """One 835 payment (a check or EFT) as posted: back-office bookkeeping, staff-only.

    The sha256 of the document makes posting idempotent: the same file dropped twice, or
    uploaded after the worker read it, is refused instead of paying claims twice.
    """

    __tablename__ = "insurance_remittances"

    payer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("insurance_payers.id", ondelete="RESTRICT"), index=True
    )
    # TRN02: the check or EFT trace number, how the deposit is reconciled with the bank.
    trace_number: Mapped[str] = mapped_column(String(50))
    payment_method: Mapped[str] = mapped_column(String(3))
    total_paid: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    payment_date: Mapped[dt.date | None] = mapped_column(Date)
    # "inbox" (clearing-house file drop) or "upload" (an admin posted it).
    source: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(String(255))
    document_sha256: Mapped[str] = mapped_column(CHAR(64), unique=True)
    claims_count: Mapped[int] = mapped_column(SmallInteger)
    posted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(USERS_ID, ondelete="SET NULL"), index=True)

    __table_args__ = (
        CheckConstraint("source IN ('inbox', 'upload')", name="source_known"),
        CheckConstraint("claims_count >= 0", name="claims_count_nonnegative"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
    )


class InsuranceClaimPayment(UUIDPk, CreatedAt, Base):
    """What one 835 said about one claim (CLP): paid, adjustments and the patient's share.

    Staff-only like the remittance it belongs to (billing admins and the worker); the patient
    sees their share as a statement (an invoice), not these rows. No person column: the row
    belongs to the claim (and goes with it when the person's account is deleted).
    """

    __tablename__ = "insurance_claim_payments"

    remittance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("insurance_remittances.id", ondelete="CASCADE"), index=True
    )
    claim_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("insurance_claims.id", ondelete="CASCADE"), index=True
    )
    # CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 22 reversal.
    status_code: Mapped[str] = mapped_column(String(2))
    charge_amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY)
    patient_responsibility: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    # [{"group": "CO", "reason": "45", "amount": "10.00", "line": 1 | null}]: codes, no narrative.
    adjustments: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"), default=list)
    # The patient's statement for their share (an invoice), when there is a share.
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        UniqueConstraint("remittance_id", "claim_id"),
        CheckConstraint("charge_amount >= 0 AND patient_responsibility >= 0", name="amounts_nonnegative"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
    )
