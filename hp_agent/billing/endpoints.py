"""Insurance API (docs/billing.md, "Insurance"): payers, policies, eligibility, claims, remittances
and the person's statements."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.api.deps import DbSession, get_database
from hp_agent.auth.dependencies import AppSettings, CurrentUser
from hp_agent.billing import inbound, posting, service
from hp_agent.billing.clearinghouse import Clearinghouse
from hp_agent.billing.models import (
    ClaimStatus,
    InsuranceClaim,
    InsuranceRemittance,
    Invoice,
    InvoiceItem,
)
from hp_agent.billing.schemas import (
    ClaimIn,
    ClaimLineOut,
    ClaimOut,
    ClaimStatusIn,
    EligibilityOut,
    InboxResult,
    PayerIn,
    PayerOut,
    PolicyIn,
    PolicyOut,
    RemittanceOut,
    StatementItemOut,
    StatementOut,
)
from hp_agent.billing.settings import BillingSettings, get_billing_settings
from hp_agent.billing.tasks import clearinghouse_for
from hp_agent.users.repository import as_caller

router = APIRouter(tags=["insurance"])
MAX_835_BYTES = inbound.MAX_BYTES


def billing_settings(request: Request) -> BillingSettings:
    cfg: BillingSettings | None = getattr(request.app.state, "billing_settings", None)
    return cfg or get_billing_settings()


def clearinghouse(request: Request, settings: AppSettings) -> Clearinghouse:
    house: Clearinghouse | None = getattr(request.app.state, "clearinghouse", None)
    if house is None:
        house = clearinghouse_for(settings, billing_settings(request))
        request.app.state.clearinghouse = house
    return house


Cfg = Annotated[BillingSettings, Depends(billing_settings)]
House = Annotated[Clearinghouse, Depends(clearinghouse)]


# ----------------------------------------------------------------------------- payers


@router.get("/v1/insurance/payers", response_model=list[PayerOut])
async def payers(user: CurrentUser, db: DbSession) -> list[PayerOut]:
    return [PayerOut.model_validate(p) for p in await service.list_payers(db)]


@router.post("/v1/insurance/payers", response_model=PayerOut, status_code=201)
async def add_payer(body: PayerIn, user: CurrentUser, db: DbSession) -> PayerOut:
    return PayerOut.model_validate(await service.add_payer(db, user, body))


# ----------------------------------------------------------------------------- policies


@router.post("/v1/insurance/policies", response_model=PolicyOut, status_code=201)
async def add_policy(body: PolicyIn, user: CurrentUser, db: DbSession) -> PolicyOut:
    row = await service.add_policy(db, user, body)
    payer = await service.get_payer(db, row.payer_id)
    async with as_caller(db):  # server-set columns
        await db.refresh(row)
    return PolicyOut.model_validate(service.policy_out(row, payer))


@router.get("/v1/me/insurance/policies", response_model=list[PolicyOut])
async def my_policies(user: CurrentUser, db: DbSession) -> list[PolicyOut]:
    rows = await service.policies_of(db, user, service.me(user))
    return [PolicyOut.model_validate(service.policy_out(p, payer)) for p, payer in rows]


@router.get("/v1/insurance/policies", response_model=list[PolicyOut])
async def policies_of(user: CurrentUser, db: DbSession, user_id: uuid.UUID) -> list[PolicyOut]:
    rows = await service.policies_of(db, user, user_id)
    return [PolicyOut.model_validate(service.policy_out(p, payer)) for p, payer in rows]


@router.post("/v1/insurance/policies/{policy_id}/eligibility", response_model=EligibilityOut, status_code=202)
async def check_eligibility(
    policy_id: uuid.UUID, user: CurrentUser, db: DbSession, house: House, cfg: Cfg
) -> EligibilityOut:
    check = await service.request_eligibility(db, user, policy_id, house, cfg)
    async with as_caller(db):
        await db.refresh(check)
    return EligibilityOut.model_validate(check)


@router.get("/v1/insurance/policies/{policy_id}/eligibility", response_model=list[EligibilityOut])
async def eligibility_history(policy_id: uuid.UUID, user: CurrentUser, db: DbSession) -> list[EligibilityOut]:
    return [EligibilityOut.model_validate(c) for c in await service.eligibility_checks(db, user, policy_id)]


# ----------------------------------------------------------------------------- claims


async def _claim_out(db: AsyncSession, claim: InsuranceClaim, payer_name: str | None = None) -> ClaimOut:
    async with as_caller(db):
        await db.refresh(claim)
    # The patient's profile is theirs: an administrator gets the name through a definer function.
    name = (await db.execute(select(func.app_claim_patient_name(claim.id)))).scalar_one_or_none()
    lines = await service.claim_lines(db, claim.id)
    return ClaimOut(
        id=claim.id,
        claim_number=claim.claim_number,
        patient_id=claim.patient_id,
        patient_name=name,
        payer_id=claim.payer_id,
        payer_name=payer_name,
        therapy_session_id=claim.therapy_session_id,
        status=claim.status,
        service_date_from=claim.service_date_from,
        diagnosis_codes=list(claim.diagnosis_codes),
        place_of_service=claim.place_of_service,
        total_charge=claim.total_charge,
        allowed_amount=claim.allowed_amount,
        paid_amount=claim.paid_amount,
        patient_responsibility=claim.patient_responsibility,
        adjustment_reason_codes=list(claim.adjustment_reason_codes),
        payer_claim_number=claim.payer_claim_number,
        clearinghouse_claim_id=claim.clearinghouse_claim_id,
        submitted_at=claim.submitted_at,
        adjudicated_at=claim.adjudicated_at,
        created_at=claim.created_at,
        lines=[ClaimLineOut.model_validate(ln) for ln in lines],
    )


@router.post("/v1/insurance/claims", response_model=ClaimOut, status_code=201)
async def create_claim(body: ClaimIn, user: CurrentUser, db: DbSession, cfg: Cfg) -> ClaimOut:
    return await _claim_out(db, await service.create_claim(db, user, body, cfg))


@router.get("/v1/insurance/claims", response_model=list[ClaimOut])
async def list_claims(
    user: CurrentUser,
    db: DbSession,
    status: ClaimStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ClaimOut]:
    rows = await service.list_claims(db, user, status, limit, offset)
    return [await _claim_out(db, c, name) for c, name in rows]


@router.get("/v1/insurance/claims/{claim_id}", response_model=ClaimOut)
async def get_claim(claim_id: uuid.UUID, user: CurrentUser, db: DbSession) -> ClaimOut:
    return await _claim_out(db, await service.get_claim(db, user, claim_id))


@router.post("/v1/insurance/claims/{claim_id}/submit", response_model=ClaimOut)
async def submit_claim(
    claim_id: uuid.UUID, user: CurrentUser, db: DbSession, house: House, cfg: Cfg
) -> ClaimOut:
    return await _claim_out(db, await service.submit_claim(db, user, claim_id, house, cfg))


@router.post("/v1/insurance/claims/{claim_id}/status", response_model=ClaimOut)
async def claim_status(
    claim_id: uuid.UUID, body: ClaimStatusIn, user: CurrentUser, db: DbSession
) -> ClaimOut:
    return await _claim_out(db, await service.move_claim(db, user, claim_id, ClaimStatus(body.status)))


# ----------------------------------------------------------------------------- remittances


@router.post("/v1/insurance/remittances", response_model=list[RemittanceOut], status_code=201)
async def post_remittance(
    request: Request, user: CurrentUser, db: DbSession, cfg: Cfg
) -> list[RemittanceOut]:
    """The body is the 835 document itself (``Content-Type: application/edi-x12`` or text)."""
    service.require_admin(user)
    raw = await request.body()
    if len(raw) > MAX_835_BYTES:
        raise posting.PostingError("The document is larger than 5 MB.", code="too_large", status_code=413)
    try:
        document = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise posting.PostingError("The document is not text.", code="not_text") from None
    if posting.kind_of(document) != "835":
        raise posting.PostingError("Only an 835 remittance can be posted here.", code="unexpected_kind")
    rows = await posting.post_835(db, user, document, source="upload", file_name=None, cfg=cfg)
    for r in rows:
        await db.refresh(r)
    return [RemittanceOut.model_validate(r) for r in rows]


@router.get("/v1/insurance/remittances", response_model=list[RemittanceOut])
async def remittances(
    user: CurrentUser, db: DbSession, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[RemittanceOut]:
    service.require_admin(user)
    stmt = select(InsuranceRemittance).order_by(InsuranceRemittance.created_at.desc()).limit(limit)
    return [RemittanceOut.model_validate(r) for r in (await db.execute(stmt)).scalars()]


@router.post("/v1/insurance/clearinghouse/poll", response_model=InboxResult)
async def poll_inbox(request: Request, user: CurrentUser, house: House, cfg: Cfg) -> InboxResult:
    """Read the clearing house's inbox now (the worker also does, every few minutes)."""
    service.require_admin(user)
    report = await inbound.process_inbox(get_database(request), house, cfg, actor=user)
    return InboxResult(processed=report.processed, quarantined=report.quarantined, files=report.files)


# ----------------------------------------------------------------------------- statements


@router.get("/v1/me/insurance/statements", response_model=list[StatementOut])
async def my_statements(user: CurrentUser, db: DbSession) -> list[StatementOut]:
    """The person's share of their insurance claims: open and paid statements, newest first."""
    me = service.me(user)
    stmt = (
        select(Invoice, InvoiceItem)
        .join(InvoiceItem, InvoiceItem.invoice_id == Invoice.id)
        .where(Invoice.user_id == me, InvoiceItem.claim_id.is_not(None))
        .order_by(Invoice.created_at.desc(), InvoiceItem.created_at)
    )
    out: dict[uuid.UUID, StatementOut] = {}
    for inv, item in (await db.execute(stmt)).all():
        st = out.get(inv.id)
        if st is None:
            st = out[inv.id] = StatementOut(
                id=inv.id,
                invoice_number=inv.invoice_number,
                status=inv.status.value,
                issued_at=inv.issued_at,
                due_date=inv.due_date,
                total=inv.total,
                amount_due=inv.amount_due,
                currency=inv.currency,
                items=[],
            )
        st.items.append(
            StatementItemOut(
                kind=item.kind.value, description=item.description, amount=item.amount, claim_id=item.claim_id
            )
        )
    return list(out.values())
