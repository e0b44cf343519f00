"""Request and response bodies of the insurance API (docs/billing.md, "Insurance")."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hp_agent.billing.models import (
    ClaimStatus,
    CoveragePriority,
    EligibilityStatus,
    PayerType,
    PolicyStatus,
    SubscriberRelationship,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
# X12 identifiers: letters, digits, spaces and a few marks; never a separator character.
Ident = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9 .\-]{1,30}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PayerIn(_In):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    payer_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{2,20}$")]
    payer_type: PayerType = PayerType.COMMERCIAL
    supports_electronic_claims: bool = True
    supports_eligibility_checks: bool = True
    timely_filing_days: int | None = Field(default=None, gt=0, le=3650)


class PayerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    payer_code: str
    payer_type: PayerType
    supports_electronic_claims: bool
    supports_eligibility_checks: bool
    timely_filing_days: int | None
    is_active: bool


class AddressIn(_In):
    line1: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=55)]
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=55)] | None = None
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=30)]
    state: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2}$")]
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{5}(-?[0-9]{4})?$")]


class PolicyIn(_In):
    payer_id: uuid.UUID
    # Admins add a policy for someone; a person adding their own leaves it out.
    user_id: uuid.UUID | None = None
    member_id: Ident
    group_number: Ident | None = None
    priority: CoveragePriority = CoveragePriority.PRIMARY
    subscriber_relationship: SubscriberRelationship = SubscriberRelationship.SELF
    member_first_name: Name
    member_last_name: Name
    member_date_of_birth: dt.date
    member_gender: Literal["F", "M", "U"] = "U"
    member_address: AddressIn
    effective_date: dt.date | None = None
    termination_date: dt.date | None = None


class PolicyOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    payer_id: uuid.UUID
    payer_name: str
    priority: CoveragePriority
    status: PolicyStatus
    member_id_last4: str | None
    subscriber_relationship: SubscriberRelationship
    effective_date: dt.date | None
    termination_date: dt.date | None
    copay_amount: Decimal | None
    coinsurance_percent: Decimal | None
    deductible_amount: Decimal | None
    last_verified_at: dt.datetime | None
    created_at: dt.datetime


class EligibilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    policy_id: uuid.UUID
    status: EligibilityStatus
    service_type_code: str
    checked_at: dt.datetime
    coverage_active: bool | None
    in_network: bool | None
    preauthorization_required: bool | None
    copay_amount: Decimal | None
    coinsurance_percent: Decimal | None
    deductible_remaining: Decimal | None
    out_of_pocket_remaining: Decimal | None
    sessions_allowed: int | None
    sessions_used: int | None
    error_codes: list[str]


class ClaimIn(_In):
    therapy_session_id: uuid.UUID
    # Default: the patient's active primary policy.
    policy_id: uuid.UUID | None = None
    prior_authorization_number: Ident | None = None


class ClaimStatusIn(_In):
    # What the clearing house's acknowledgement said, or an admin's void.
    status: Literal["accepted", "rejected", "voided", "ready"]


class ClaimLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_number: int
    service_date: dt.date
    cpt_code: str
    modifiers: list[str]
    units: int
    charge_amount: Decimal
    allowed_amount: Decimal | None
    paid_amount: Decimal
    adjustment_amount: Decimal
    status: str
    adjustment_reason_codes: list[str]


class ClaimOut(BaseModel):
    id: uuid.UUID
    claim_number: str
    patient_id: uuid.UUID
    patient_name: str | None = None
    payer_id: uuid.UUID
    payer_name: str | None = None
    therapy_session_id: uuid.UUID | None
    status: ClaimStatus
    service_date_from: dt.date
    diagnosis_codes: list[str]
    place_of_service: str
    total_charge: Decimal
    allowed_amount: Decimal | None
    paid_amount: Decimal
    patient_responsibility: Decimal | None
    adjustment_reason_codes: list[str]
    payer_claim_number: str | None
    clearinghouse_claim_id: str | None
    submitted_at: dt.datetime | None
    adjudicated_at: dt.datetime | None
    created_at: dt.datetime
    lines: list[ClaimLineOut] = []


class RemittanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    trace_number: str
    payment_method: str
    total_paid: Decimal
    payment_date: dt.date | None
    source: str
    file_name: str | None
    claims_count: int
    created_at: dt.datetime


class InboxResult(BaseModel):
    processed: int
    quarantined: int
    files: list[dict[str, str]]


class StatementItemOut(BaseModel):
    kind: str
    description: str
    amount: Decimal
    claim_id: uuid.UUID | None


class StatementOut(BaseModel):
    id: uuid.UUID
    invoice_number: str
    status: str
    issued_at: dt.datetime | None
    due_date: dt.date | None
    total: Decimal
    amount_due: Decimal
    currency: str
    items: list[StatementItemOut]
