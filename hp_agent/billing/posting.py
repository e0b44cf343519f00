"""Posting what payers send back: 271 eligibility answers and 835 remittances.

Each document is posted whole or not at all: everything is checked (every CLP names a claim we
submitted to that payer, the amounts add up, the document was not posted before) before the
first row changes, and the caller's unit of work is the one transaction. A refusal is a
``PostingError`` whose message names what was wrong, never a value from the document.

An 835 sets each claim's paid and allowed amounts, its adjustment codes and status (paid,
partially paid, denied), its lines' amounts, and turns the patient's responsibility (the PR
adjustments: deductible, coinsurance, copay) into a statement: an open invoice for the person,
one item per kind of share, pointing at the claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.billing.models import (
    ClaimLineStatus,
    ClaimStatus,
    EligibilityCheck,
    EligibilityStatus,
    InsuranceClaim,
    InsuranceClaimLine,
    InsuranceClaimPayment,
    InsurancePayer,
    InsurancePolicy,
    InsuranceRemittance,
    Invoice,
    InvoiceItem,
    InvoiceItemKind,
    InvoiceStatus,
    PolicyStatus,
)
from hp_agent.billing.service import AWAITING_PAYER
from hp_agent.billing.settings import BillingSettings
from hp_agent.billing.x12 import eligibility, remittance
from hp_agent.billing.x12.segments import X12Error, tokenize
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import HPError
from hp_agent.users.repository import as_caller

# CARC codes of the patient-responsibility group and the statement line each becomes.
_PR_KIND = {
    "1": (InvoiceItemKind.DEDUCTIBLE, "Deductible"),
    "2": (InvoiceItemKind.COINSURANCE, "Coinsurance"),
    "3": (InvoiceItemKind.COPAY, "Copay"),
}
# CO-45: the charge exceeds the payer's fee schedule (contractual, written off, not a shortfall).
_CONTRACTUAL = {("CO", "45")}


class PostingError(HPError):
    status_code = 422
    code = "posting_refused"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def kind_of(document: str) -> str:
    """'271', '835' (or another set id) from the document's first ST segment."""
    try:
        segments, _ = tokenize(document)
    except X12Error:
        raise PostingError("The file is not an X12 document.", code="not_x12") from None
    st = next((seg for seg in segments if seg[0] == "ST"), None)
    if st is None or len(st) < 2:
        raise PostingError("The X12 document has no transaction set.", code="not_x12")
    return st[1]


# ----------------------------------------------------------------------------- 271


async def apply_271(session: AsyncSession, document: str) -> int:
    """Complete the eligibility checks a 271 answers; returns how many."""
    try:
        answers = eligibility.parse_271(document)
    except X12Error as exc:
        raise PostingError(f"Unreadable 271: {exc}.", code="x12_unreadable") from None
    async with as_caller(session):
        checks = []
        for b in answers:
            check = (
                await session.execute(
                    select(EligibilityCheck)
                    .where(EligibilityCheck.clearinghouse_request_id == b.trace)
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if check is None:
                raise PostingError("The 271 answers an inquiry we did not send.", code="unknown_inquiry")
            if check.status != EligibilityStatus.PENDING:
                raise PostingError("The 271 answers an inquiry already answered.", code="inquiry_answered")
            checks.append((check, b))
        for check, b in checks:
            _fill(check, b)
            policy = await session.get(InsurancePolicy, check.policy_id, with_for_update=True)
            if policy is not None and check.status in (
                EligibilityStatus.ELIGIBLE,
                EligibilityStatus.INELIGIBLE,
            ):
                if check.coverage_active:
                    await _retire_other_actives(session, policy)
                _verify(policy, check)
    return len(checks)


def _fill(check: EligibilityCheck, b: eligibility.Benefits) -> None:
    check.checked_at = dt.datetime.now(dt.UTC)
    check.error_codes = b.error_codes[:10]
    if b.error_codes and b.coverage_active is None:
        check.status = EligibilityStatus.ERROR
    else:
        check.status = EligibilityStatus.ELIGIBLE if b.coverage_active else EligibilityStatus.INELIGIBLE
    check.coverage_active = b.coverage_active
    check.in_network = b.in_network
    check.preauthorization_required = b.preauthorization_required
    check.copay_amount = b.copay_amount
    check.coinsurance_percent = b.coinsurance_percent
    check.deductible_remaining = b.deductible_remaining
    check.out_of_pocket_remaining = b.out_of_pocket_remaining
    check.sessions_allowed = b.sessions_allowed
    if b.sessions_allowed is not None and b.sessions_remaining is not None:
        check.sessions_used = max(b.sessions_allowed - b.sessions_remaining, 0)
    check.response_summary = {"benefit_codes": b.benefit_codes[:40], "plan": b.plan_description}


async def _retire_other_actives(session: AsyncSession, policy: InsurancePolicy) -> None:
    """One active policy per person and priority: a newly verified one replaces the old."""
    others = await session.execute(
        select(InsurancePolicy)
        .where(
            InsurancePolicy.user_id == policy.user_id,
            InsurancePolicy.priority == policy.priority,
            InsurancePolicy.status == PolicyStatus.ACTIVE,
            InsurancePolicy.id != policy.id,
        )
        .with_for_update()
    )
    for other in others.scalars():
        other.status = PolicyStatus.INACTIVE
    await session.flush()


def _verify(policy: InsurancePolicy, check: EligibilityCheck) -> None:
    policy.last_verified_at = check.checked_at
    if check.coverage_active:
        policy.status = PolicyStatus.ACTIVE
        policy.copay_amount = check.copay_amount
        policy.coinsurance_percent = check.coinsurance_percent
    elif policy.status != PolicyStatus.TERMINATED:
        policy.status = PolicyStatus.INACTIVE


# ----------------------------------------------------------------------------- 835


async def post_835(
    session: AsyncSession,
    actor: Principal,
    document: str,
    *,
    source: str,
    file_name: str | None,
    cfg: BillingSettings,
) -> list[InsuranceRemittance]:
    """Post every payment in an 835. ``actor`` is the admin who uploaded it, or the system actor
    (the worker reading the inbox); the staff-only remittance rows are written as them."""
    digest = sha256(document)
    taken = await session.execute(
        select(InsuranceRemittance.id).where(InsuranceRemittance.document_sha256 == digest)
    )
    if taken.first() is not None:
        raise PostingError("This remittance was posted before.", code="remittance_duplicate", status_code=409)
    try:
        remits = remittance.parse_835(document)
    except X12Error as exc:
        raise PostingError(f"Unreadable 835: {exc}.", code="x12_unreadable") from None
    if cfg.provider_npi and any(r.payee_npi not in (None, cfg.provider_npi) for r in remits):
        raise PostingError("The 835 pays another provider.", code="other_payee")
    # Check everything first, then write: nothing is half-posted.
    plan: list[
        tuple[
            remittance.Remittance, InsurancePayer | None, list[tuple[remittance.ClaimPayment, InsuranceClaim]]
        ]
    ] = []
    for r in remits:
        payer = None
        if r.payer_id:
            payer = (
                await session.execute(select(InsurancePayer).where(InsurancePayer.payer_code == r.payer_id))
            ).scalar_one_or_none()
            if payer is None:
                raise PostingError("The 835 comes from an unknown payer.", code="unknown_payer")
        # Another copy of a payment already posted (a resent file has new envelope numbers,
        # so a new sha256, but the same check or EFT trace from the same payer).
        again = await session.execute(
            select(InsuranceRemittance.id).where(
                InsuranceRemittance.trace_number == r.trace_number[:50],
                InsuranceRemittance.payer_id == (payer.id if payer else None),
            )
        )
        if again.first() is not None:
            raise PostingError(
                "This payment (check or EFT trace) was posted before.",
                code="remittance_duplicate",
                status_code=409,
            )
        matched = []
        async with as_caller(session):
            for cp in r.claims:
                claim = (
                    await session.execute(
                        select(InsuranceClaim)
                        .where(InsuranceClaim.claim_number == cp.claim_number)
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                if claim is None:
                    raise PostingError("The 835 pays a claim we do not know.", code="unknown_claim")
                if payer is not None and claim.payer_id != payer.id:
                    raise PostingError("The 835 pays a claim billed to another payer.", code="payer_mismatch")
                if claim.status not in AWAITING_PAYER:
                    raise PostingError(
                        f"The 835 pays a claim that is {claim.status.value}, not awaiting the payer.",
                        code="claim_not_awaiting_payment",
                        status_code=409,
                    )
                if cp.status_code == remittance.REVERSAL:
                    raise PostingError(
                        "Payment reversals are not supported yet.", code="reversal_unsupported"
                    )
                if cp.charge != claim.total_charge:
                    raise PostingError("The 835's charge differs from the claim's.", code="charge_mismatch")
                matched.append((cp, claim))
        plan.append((r, payer, matched))
    posted: list[InsuranceRemittance] = []
    for r, payer, matched in plan:
        row = InsuranceRemittance(
            id=uuid.uuid4(),
            payer_id=payer.id if payer else None,
            trace_number=r.trace_number[:50],
            payment_method=r.payment_method[:3],
            total_paid=r.total_paid,
            payment_date=r.payment_date,
            source=source,
            file_name=file_name[:255] if file_name else None,
            # Unique per document: a second transaction set of the same file gets a suffix.
            document_sha256=digest if not posted else sha256(document + str(len(posted))),
            claims_count=len(matched),
            posted_by=actor.user_id,
        )
        session.add(row)
        await session.flush()
        for cp, claim in matched:
            await _post_claim(session, actor, row, cp, claim, cfg)
        posted.append(row)
        await audit.record(
            session,
            "billing.remittance.posted",
            actor=actor,
            subject_type="insurance_remittance",
            subject_id=row.id,
            details={"claims": len(matched), "source": source},
        )
    return posted


async def _post_claim(
    session: AsyncSession,
    actor: Principal,
    rem: InsuranceRemittance,
    cp: remittance.ClaimPayment,
    claim: InsuranceClaim,
    cfg: BillingSettings,
) -> None:
    adjustments = cp.all_adjustments()
    invoice_id = None
    async with as_caller(session):
        lines = list(
            (
                await session.execute(
                    select(InsuranceClaimLine)
                    .where(InsuranceClaimLine.claim_id == claim.id)
                    .order_by(InsuranceClaimLine.line_number)
                    .with_for_update()
                )
            ).scalars()
        )
        _post_lines(lines, cp)
        allowed = [s.allowed for s in cp.services if s.allowed is not None]
        claim.paid_amount = cp.paid
        claim.patient_responsibility = cp.patient_responsibility
        claim.allowed_amount = (
            sum(allowed, Decimal(0))
            if allowed
            else cp.charge - sum((a.amount for a in adjustments if a.group == "CO"), Decimal(0))
        )
        claim.adjustment_reason_codes = sorted({a.code() for a in adjustments})[:20]
        claim.payer_claim_number = cp.payer_claim_number
        claim.status = _status_after(cp)
        now = dt.datetime.now(dt.UTC)
        claim.adjudicated_at = now
        if cp.paid > 0:
            claim.paid_at = now
        if cp.patient_responsibility > 0:
            invoice_id = await _statement(session, claim, cp, cfg)
    session.add(
        InsuranceClaimPayment(
            id=uuid.uuid4(),
            remittance_id=rem.id,
            claim_id=claim.id,
            status_code=cp.status_code[:2],
            charge_amount=cp.charge,
            paid_amount=cp.paid,
            patient_responsibility=cp.patient_responsibility,
            adjustments=[
                {"group": a.group, "reason": a.reason, "amount": str(a.amount)} for a in adjustments
            ],
            invoice_id=invoice_id,
        )
    )
    await session.flush()


def _post_lines(lines: list[InsuranceClaimLine], cp: remittance.ClaimPayment) -> None:
    unused = list(lines)
    for svc in cp.services:
        line = next((ln for ln in unused if ln.cpt_code == svc.cpt_code), None)
        if line is None:
            raise PostingError("The 835 pays a service line the claim does not have.", code="unknown_line")
        unused.remove(line)
        line.paid_amount = svc.paid
        line.allowed_amount = svc.allowed
        line.adjustment_amount = sum((a.amount for a in svc.adjustments), Decimal(0))
        line.adjustment_reason_codes = sorted({a.code() for a in svc.adjustments})[:20]
        if svc.paid <= 0 and not any(a.group == "PR" for a in svc.adjustments):
            line.status = ClaimLineStatus.DENIED
        elif line.adjustment_amount > 0:
            line.status = ClaimLineStatus.ADJUSTED
        else:
            line.status = ClaimLineStatus.PAID


def _status_after(cp: remittance.ClaimPayment) -> ClaimStatus:
    adjustments = cp.all_adjustments()
    if cp.status_code == remittance.DENIED:
        return ClaimStatus.DENIED
    if cp.paid <= 0 and cp.patient_responsibility <= 0:
        return ClaimStatus.DENIED
    shortfall = [a for a in adjustments if a.group != "PR" and (a.group, a.reason) not in _CONTRACTUAL]
    return ClaimStatus.PARTIALLY_PAID if shortfall else ClaimStatus.PAID


async def _statement(
    session: AsyncSession, claim: InsuranceClaim, cp: remittance.ClaimPayment, cfg: BillingSettings
) -> uuid.UUID:
    """The patient's share as an open invoice, one item per kind of share (as system actor)."""
    shares: dict[str, Decimal] = {}
    for a in cp.all_adjustments():
        if a.group == "PR":
            shares[a.reason] = shares.get(a.reason, Decimal(0)) + a.amount
    previous = (
        await session.execute(
            select(func.count())
            .select_from(InsuranceClaimPayment)
            .where(InsuranceClaimPayment.claim_id == claim.id)
        )
    ).scalar_one()
    now = dt.datetime.now(dt.UTC)
    invoice = Invoice(
        id=uuid.uuid4(),
        user_id=claim.patient_id,
        invoice_number=f"PS-{claim.claim_number}-{previous + 1}"[:32],
        status=InvoiceStatus.OPEN,
        issued_at=now,
        due_date=now.date() + dt.timedelta(days=cfg.statement_due_days),
        subtotal=cp.patient_responsibility,
        total=cp.patient_responsibility,
        currency=claim.currency,
        memo="Your share of an insurance claim, as your plan's remittance set it.",
    )
    session.add(invoice)
    await session.flush()
    for reason, amount in sorted(shares.items()):
        kind, label = _PR_KIND.get(reason, (InvoiceItemKind.SESSION, "Patient responsibility"))
        session.add(
            InvoiceItem(
                id=uuid.uuid4(),
                invoice_id=invoice.id,
                user_id=claim.patient_id,
                kind=kind,
                description=f"{label}, therapy session on {claim.service_date_from.isoformat()}",
                appointment_id=claim.appointment_id,
                claim_id=claim.id,
                quantity=1,
                unit_amount=amount,
                amount=amount,
                currency=claim.currency,
            )
        )
    await session.flush()
    return invoice.id
