"""Insurance billing: payers, people's policies, eligibility inquiries and claims.

Who does what: a person adds their own policy (an admin may add one for anyone); the treating
clinician turns a completed therapy session into a claim (they are the one who may read the
patient's diagnoses, which the claim carries); billing admins submit claims, record the clearing
house's acknowledgements and post remittances (posting.py). Claims, policies and eligibility rows
are back-office data no therapist browses, so writes to them run as the system actor once the
caller's right to make them has been checked here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.billing import codes
from hp_agent.billing.clearinghouse import Clearinghouse
from hp_agent.billing.models import (
    ClaimStatus,
    EligibilityCheck,
    EligibilityStatus,
    InsuranceClaim,
    InsuranceClaimLine,
    InsurancePayer,
    InsurancePolicy,
    PolicyStatus,
    SubscriberRelationship,
)
from hp_agent.billing.schemas import ClaimIn, PayerIn, PolicyIn
from hp_agent.billing.settings import BillingSettings
from hp_agent.billing.x12 import claim837, eligibility
from hp_agent.billing.x12.check import problems
from hp_agent.billing.x12.segments import Envelope, X12Error, serialize
from hp_agent.care.models import ClinicianProfile
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound, Unauthorized
from hp_agent.privacy import access_log
from hp_agent.scheduling.models import Appointment, AppointmentType
from hp_agent.therapy.access import require_treating
from hp_agent.therapy.models import Diagnosis, DiagnosisStatus, SessionStatus, TherapySession
from hp_agent.users.repository import as_caller

_OPEN_DX = (DiagnosisStatus.provisional, DiagnosisStatus.confirmed)
# Claims still waiting on the payer: a remittance may be posted against them.
AWAITING_PAYER = (ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.APPEALED)
# The acknowledgement and correction moves an admin makes by hand (the rest follow the 835).
MANUAL_MOVES: dict[ClaimStatus, set[ClaimStatus]] = {
    ClaimStatus.READY: {ClaimStatus.VOIDED},
    ClaimStatus.SUBMITTED: {ClaimStatus.ACCEPTED, ClaimStatus.REJECTED},
    ClaimStatus.REJECTED: {ClaimStatus.READY, ClaimStatus.VOIDED},
    ClaimStatus.ACCEPTED: {ClaimStatus.REJECTED},
}


class Unprocessable(HPError):
    status_code = 422
    code = "unprocessable"


def me(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Unauthorized("Authentication required.", code="not_authenticated")
    return principal.user_id


def require_admin(principal: Principal) -> uuid.UUID:
    caller = me(principal)
    if principal.role != "admin":
        raise Forbidden("Only billing administrators can do this.", code="admin_only")
    return caller


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ----------------------------------------------------------------------------- payers


async def list_payers(session: AsyncSession) -> list[InsurancePayer]:
    stmt = select(InsurancePayer).where(InsurancePayer.is_active).order_by(InsurancePayer.name)
    return list((await session.execute(stmt)).scalars())


async def add_payer(session: AsyncSession, principal: Principal, body: PayerIn) -> InsurancePayer:
    require_admin(principal)
    taken = await session.execute(
        select(InsurancePayer.id).where(func.upper(InsurancePayer.payer_code) == body.payer_code.upper())
    )
    if taken.first() is not None:
        raise Conflict("A payer with this payer id exists.", code="payer_exists")
    row = InsurancePayer(id=uuid.uuid4(), **body.model_dump())
    row.payer_code = body.payer_code.upper()
    session.add(row)
    await session.flush()
    await audit.record(
        session, "billing.payer.added", actor=principal, subject_type="insurance_payer", subject_id=row.id
    )
    return row


async def get_payer(session: AsyncSession, payer_id: uuid.UUID) -> InsurancePayer:
    payer = await session.get(InsurancePayer, payer_id)
    if payer is None or not payer.is_active:
        raise NotFound("Unknown payer.", code="payer_not_found")
    return payer


# ----------------------------------------------------------------------------- policies


def policy_out(policy: InsurancePolicy, payer: InsurancePayer) -> dict[str, Any]:
    return {
        "id": policy.id,
        "user_id": policy.user_id,
        "payer_id": policy.payer_id,
        "payer_name": payer.name,
        "priority": policy.priority,
        "status": policy.status,
        "member_id_last4": policy.member_id_last4,
        "subscriber_relationship": policy.subscriber_relationship,
        "effective_date": policy.effective_date,
        "termination_date": policy.termination_date,
        "copay_amount": policy.copay_amount,
        "coinsurance_percent": policy.coinsurance_percent,
        "deductible_amount": policy.deductible_amount,
        "last_verified_at": policy.last_verified_at,
        "created_at": policy.created_at,
    }


async def add_policy(session: AsyncSession, principal: Principal, body: PolicyIn) -> InsurancePolicy:
    caller = me(principal)
    owner = body.user_id or caller
    if owner != caller:
        require_admin(principal)
    if body.termination_date and body.effective_date and body.termination_date < body.effective_date:
        raise Unprocessable("The policy ends before it starts.", code="policy_dates")
    if body.member_date_of_birth >= dt.date.today():
        raise Unprocessable("The date of birth is not in the past.", code="member_date_of_birth")
    payer = await get_payer(session, body.payer_id)
    member = body.member_id.upper()
    row = InsurancePolicy(
        id=uuid.uuid4(),
        user_id=owner,
        payer_id=payer.id,
        priority=body.priority,
        status=PolicyStatus.PENDING_VERIFICATION,
        member_id=member,
        member_id_last4=member.replace(" ", "").replace("-", "").replace(".", "")[-4:] or None,
        group_number=body.group_number,
        subscriber_relationship=body.subscriber_relationship,
        member_first_name=body.member_first_name,
        member_last_name=body.member_last_name,
        member_date_of_birth=body.member_date_of_birth.isoformat(),
        member_gender=body.member_gender,
        member_address=json.dumps(body.member_address.model_dump()),
        effective_date=body.effective_date,
        termination_date=body.termination_date,
    )
    async with as_caller(session):
        session.add(row)
    await audit.record(
        session, "billing.policy.added", actor=principal, subject_type="insurance_policy", subject_id=row.id
    )
    return row


async def policies_of(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID
) -> list[tuple[InsurancePolicy, InsurancePayer]]:
    caller = me(principal)
    if user_id != caller:
        require_admin(principal)
    stmt = (
        select(InsurancePolicy, InsurancePayer)
        .join(InsurancePayer, InsurancePayer.id == InsurancePolicy.payer_id)
        .where(InsurancePolicy.user_id == user_id)
        .order_by(InsurancePolicy.created_at)
    )
    async with as_caller(session):
        rows = (await session.execute(stmt)).all()
    return [(p, payer) for p, payer in rows]


async def _policy_for(session: AsyncSession, principal: Principal, policy_id: uuid.UUID) -> InsurancePolicy:
    """The policy, if the caller is its holder or an admin (looked up as the system actor)."""
    caller = me(principal)
    async with as_caller(session):
        policy = await session.get(InsurancePolicy, policy_id)
    if policy is None or (policy.user_id != caller and principal.role != "admin"):
        raise NotFound("Unknown policy.", code="policy_not_found")
    return policy


# ----------------------------------------------------------------------------- control numbers


async def next_control_number(session: AsyncSession) -> int:
    return int(
        (await session.execute(text("SELECT nextval('x12_interchange_control_numbers')"))).scalar_one()
    )


def _envelope(cfg: BillingSettings, icn: int, version: str, functional_code: str) -> Envelope:
    return Envelope(cfg.submitter_id, cfg.receiver_id, icn, version, functional_code, usage=cfg.usage)


def _address(raw: str | None) -> claim837.Address:
    if not raw:
        raise Unprocessable("The policy has no member address.", code="policy_incomplete")
    data = json.loads(raw)
    return claim837.Address(
        line1=data["line1"],
        line2=data.get("line2"),
        city=data["city"],
        state=data["state"],
        postal_code=data["postal_code"].replace("-", ""),
    )


def _member(policy: InsurancePolicy) -> tuple[str, str, dt.date, str]:
    if not (policy.member_first_name and policy.member_last_name and policy.member_date_of_birth):
        raise Unprocessable("The policy lacks the member's name or date of birth.", code="policy_incomplete")
    return (
        policy.member_first_name,
        policy.member_last_name,
        dt.date.fromisoformat(policy.member_date_of_birth),
        policy.member_gender or "U",
    )


# ----------------------------------------------------------------------------- eligibility


async def request_eligibility(
    session: AsyncSession,
    principal: Principal,
    policy_id: uuid.UUID,
    clearinghouse: Clearinghouse,
    cfg: BillingSettings,
) -> EligibilityCheck:
    """Write a 270 to the clearing house; the 271 answer completes the check (posting.py)."""
    policy = await _policy_for(session, principal, policy_id)
    payer = await get_payer(session, policy.payer_id)
    if not payer.supports_eligibility_checks:
        raise Unprocessable(
            "This payer does not answer electronic eligibility inquiries.", code="payer_no_270"
        )
    first, last, dob, gender = _member(policy)
    check = EligibilityCheck(
        id=uuid.uuid4(),
        user_id=policy.user_id,
        policy_id=policy.id,
        status=EligibilityStatus.PENDING,
        service_type_code="A6",
    )
    check.clearinghouse_request_id = "E" + check.id.hex[:29].upper()
    inquiry = eligibility.Inquiry(
        trace=check.clearinghouse_request_id,
        payer_name=payer.name,
        payer_id=payer.payer_code,
        provider_name=cfg.provider_name,
        provider_npi=cfg.provider_npi,
        provider_tax_id=cfg.provider_tax_id,
        member_id=policy.member_id,
        last_name=last,
        first_name=first,
        date_of_birth=dob,
        gender=gender,
        service_date=dt.date.today(),
    )
    icn = await next_control_number(session)
    document = serialize(
        eligibility.build_270(inquiry, _envelope(cfg, icn, eligibility.VERSION, "HS"), now_utc())
    )
    await _refuse_invalid(document)
    async with as_caller(session):
        session.add(check)
    # Last: a refusal above leaves no file behind.
    clearinghouse.send("270", check.clearinghouse_request_id, document)
    await audit.record(
        session,
        "billing.eligibility.requested",
        actor=principal,
        subject_type="insurance_eligibility_check",
        subject_id=check.id,
    )
    return check


async def eligibility_checks(
    session: AsyncSession, principal: Principal, policy_id: uuid.UUID
) -> list[EligibilityCheck]:
    policy = await _policy_for(session, principal, policy_id)
    stmt = (
        select(EligibilityCheck)
        .where(EligibilityCheck.policy_id == policy.id)
        .order_by(EligibilityCheck.created_at.desc())
    )
    async with as_caller(session):
        return list((await session.execute(stmt)).scalars())


async def _refuse_invalid(document: str) -> None:
    # pyx12 reloads its XML maps on every call (~0.7 s of CPU for an 837P, docs/benchmarks.md):
    # in a thread, so the event loop keeps serving other requests meanwhile.
    found = await asyncio.to_thread(problems, document)
    if found:
        # The messages can quote values from the document: only their number is reported.
        raise Unprocessable(
            f"The generated X12 failed validation ({len(found)} problems); nothing was sent.",
            code="x12_invalid",
        )


# ----------------------------------------------------------------------------- claims


def _claim_number() -> str:
    return "HP" + uuid.uuid4().hex[:12].upper()


async def _session_minutes(ts: TherapySession) -> int | None:
    if ts.duration_minutes is not None:
        return ts.duration_minutes
    if ts.started_at and ts.ended_at:
        return int((ts.ended_at - ts.started_at).total_seconds() // 60)
    return None


async def create_claim(
    session: AsyncSession, principal: Principal, body: ClaimIn, cfg: BillingSettings
) -> InsuranceClaim:
    """A claim for one completed therapy session, by the clinician who treats the patient."""
    me(principal)
    ts = await session.get(TherapySession, body.therapy_session_id)
    if ts is None:
        raise NotFound("Unknown therapy session.", code="session_not_found")
    clinician = await require_treating(session, principal, ts.patient_id)
    if ts.status != SessionStatus.completed:
        raise Conflict("Only a completed session can be billed.", code="session_not_completed")
    dx_stmt = (
        select(Diagnosis.icd10_code)
        .where(Diagnosis.patient_id == ts.patient_id, Diagnosis.status.in_(_OPEN_DX))
        .order_by(Diagnosis.is_primary.desc(), Diagnosis.diagnosed_on, Diagnosis.created_at)
        .limit(12)
    )
    diagnoses = list((await session.execute(dx_stmt)).scalars())
    # Reading the diagnoses to bill is a read of the record, and the patient's log says so.
    await access_log.record(
        session, principal, ts.patient_id, resource="clinical_record", reason="billing", resource_id=ts.id
    )
    if not diagnoses:
        raise Unprocessable(
            "The patient has no open diagnosis to put on the claim.", code="claim_needs_diagnosis"
        )
    category = codes.category_for(ts.session_type)
    appointment_type: AppointmentType | None = None
    if ts.appointment_id is not None:
        # The clinician's own appointment with the patient (readable as them, not the system actor).
        appt = await session.get(Appointment, ts.appointment_id)
        if appt is not None:
            appointment_type = await session.get(AppointmentType, appt.appointment_type_id)
        if appointment_type is not None:
            category = appointment_type.category
    minutes = await _session_minutes(ts)
    if minutes is None and appointment_type is not None:
        minutes = appointment_type.duration_minutes
    cpt = ts.cpt_code or codes.cpt_for(category, minutes)
    pos, modifiers = codes.place_of_service(ts.modality)
    fee = cfg.fee_schedule.get(cpt)
    if fee is None:
        raise Unprocessable("The fee schedule has no charge for this CPT code.", code="no_fee_for_code")
    npi = (
        await session.execute(
            select(ClinicianProfile.npi_number).where(ClinicianProfile.user_id == clinician)
        )
    ).scalar_one_or_none()
    if not npi:
        raise Conflict(
            "Your clinician profile has no NPI; add it before billing.", code="clinician_npi_missing"
        )
    async with as_caller(session):
        policy = await _billable_policy(session, ts.patient_id, body.policy_id)
        duplicate = await session.execute(
            select(InsuranceClaim.id).where(
                InsuranceClaim.therapy_session_id == ts.id, InsuranceClaim.status != ClaimStatus.VOIDED
            )
        )
        if duplicate.first() is not None:
            raise Conflict("This session already has a claim.", code="claim_exists")
        service_date = (ts.started_at or ts.ended_at or now_utc()).date()
        claim = InsuranceClaim(
            id=uuid.uuid4(),
            patient_id=ts.patient_id,
            policy_id=policy.id,
            payer_id=policy.payer_id,
            appointment_id=ts.appointment_id,
            therapy_session_id=ts.id,
            claim_number=_claim_number(),
            status=ClaimStatus.READY,
            service_date_from=service_date,
            service_date_to=service_date,
            diagnosis_codes=diagnoses,
            place_of_service=pos,
            rendering_provider_id=clinician,
            rendering_provider_npi=npi,
            billing_provider_npi=cfg.provider_npi,
            prior_authorization_number=body.prior_authorization_number,
            total_charge=fee,
        )
        line = InsuranceClaimLine(
            id=uuid.uuid4(),
            claim_id=claim.id,
            patient_id=ts.patient_id,
            line_number=1,
            service_date=service_date,
            cpt_code=cpt,
            modifiers=list(modifiers),
            diagnosis_pointers=list(range(1, min(len(diagnoses), 4) + 1)),
            units=1,
            charge_amount=fee,
        )
        session.add(claim)
        await session.flush()
        session.add(line)
        try:
            await session.flush()
        except IntegrityError:  # a concurrent request billed the same session first
            raise Conflict("This session already has a claim.", code="claim_exists") from None
    await audit.record(
        session,
        "billing.claim.created",
        actor=principal,
        subject_type="insurance_claim",
        subject_id=claim.id,
        details={"therapy_session_id": ts.id, "cpt": cpt},
    )
    return claim


async def _billable_policy(
    session: AsyncSession, patient_id: uuid.UUID, policy_id: uuid.UUID | None
) -> InsurancePolicy:
    stmt = select(InsurancePolicy).where(
        InsurancePolicy.user_id == patient_id,
        InsurancePolicy.status.in_((PolicyStatus.ACTIVE, PolicyStatus.PENDING_VERIFICATION)),
    )
    if policy_id is not None:
        stmt = stmt.where(InsurancePolicy.id == policy_id)
    rows = list(
        (await session.execute(stmt.order_by(InsurancePolicy.priority, InsurancePolicy.created_at))).scalars()
    )
    active = [p for p in rows if p.status == PolicyStatus.ACTIVE] or rows
    if not active:
        raise Unprocessable("The patient has no insurance policy to bill.", code="no_policy")
    policy = active[0]
    if policy.subscriber_relationship != SubscriberRelationship.SELF:
        raise Unprocessable(
            "Claims for dependants (the policyholder is someone else) are not supported yet.",
            code="dependent_claims_unsupported",
        )
    return policy


async def claim_document(session: AsyncSession, claim: InsuranceClaim, cfg: BillingSettings, icn: int) -> str:
    """The 837P interchange for ``claim`` (read as the system actor)."""
    async with as_caller(session):
        lines = list(
            (
                await session.execute(
                    select(InsuranceClaimLine)
                    .where(InsuranceClaimLine.claim_id == claim.id)
                    .order_by(InsuranceClaimLine.line_number)
                )
            ).scalars()
        )
        policy = await session.get(InsurancePolicy, claim.policy_id) if claim.policy_id else None
        payer = await session.get(InsurancePayer, claim.payer_id)
    # The clinician directory is read as the caller (anyone signed in, or the worker): from the
    # API's role the system actor reads no profile.
    profile = (
        await session.execute(
            select(ClinicianProfile.display_name).where(
                ClinicianProfile.user_id == claim.rendering_provider_id
            )
        )
    ).scalar_one_or_none()
    if policy is None or payer is None:
        raise Conflict("The claim's policy no longer exists.", code="policy_missing")
    first, last, dob, gender = _member(policy)
    rendering_first, rendering_last = _person_name(profile or "Clinician")
    doc = claim837.Claim(
        claim_number=claim.claim_number,
        total_charge=claim.total_charge,
        place_of_service=claim.place_of_service,
        diagnosis_codes=tuple(claim.diagnosis_codes),
        lines=tuple(
            claim837.ServiceLine(
                cpt_code=ln.cpt_code,
                charge=ln.charge_amount,
                service_date=ln.service_date,
                modifiers=tuple(ln.modifiers),
                units=ln.units,
                diagnosis_pointers=tuple(ln.diagnosis_pointers),
            )
            for ln in lines
        ),
        payer_name=payer.name,
        payer_id=payer.payer_code,
        subscriber=claim837.Subscriber(
            member_id=policy.member_id,
            last_name=last,
            first_name=first,
            date_of_birth=dob,
            gender=gender,
            address=_address(policy.member_address),
            group_number=policy.group_number,
        ),
        rendering=claim837.Provider(
            npi=claim.rendering_provider_npi, last_or_org_name=rendering_last, first_name=rendering_first
        ),
        payer_priority={"primary": "P", "secondary": "S", "tertiary": "T"}[policy.priority.value],
        prior_authorization=claim.prior_authorization_number,
    )
    billing = claim837.BillingProvider(
        name=cfg.provider_name,
        npi=cfg.provider_npi,
        tax_id=cfg.provider_tax_id,
        address=claim837.Address(
            cfg.provider_address_line1, cfg.provider_city, cfg.provider_state, cfg.provider_postal_code
        ),
        contact_name=cfg.contact_name,
        contact_phone=cfg.contact_phone,
        taxonomy=cfg.provider_taxonomy,
    )
    try:
        segments = claim837.build(
            doc, billing, _envelope(cfg, icn, claim837.VERSION, "HC"), cfg.receiver_name, now_utc()
        )
    except X12Error as exc:
        raise Unprocessable(str(exc), code="x12_invalid") from None
    return serialize(segments)


_TITLES = {"DR", "DR.", "MR", "MR.", "MS", "MS.", "MRS", "MRS.", "MX", "MX."}


def _person_name(display_name: str) -> tuple[str | None, str]:
    """(first, last) from a directory name such as "Dr. Alex Smith, LCSW"."""
    words = [w for w in display_name.split(",")[0].split() if w.upper() not in _TITLES]
    if len(words) < 2:
        return None, words[0] if words else "CLINICIAN"
    return " ".join(words[:-1]), words[-1]


async def get_claim(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID, *, lock: bool = False
) -> InsuranceClaim:
    require_admin(principal)
    async with as_caller(session):
        claim = await session.get(InsuranceClaim, claim_id, with_for_update=lock)
    if claim is None:
        raise NotFound("Unknown claim.", code="claim_not_found")
    return claim


async def submit_claim(
    session: AsyncSession,
    principal: Principal,
    claim_id: uuid.UUID,
    clearinghouse: Clearinghouse,
    cfg: BillingSettings,
) -> InsuranceClaim:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != ClaimStatus.READY:
        raise Conflict(f"A {claim.status.value} claim cannot be submitted.", code="claim_not_ready")
    icn = await next_control_number(session)
    document = await claim_document(session, claim, cfg, icn)
    await _refuse_invalid(document)
    async with as_caller(session):
        claim.status = ClaimStatus.SUBMITTED
        claim.submitted_at = now_utc()
        claim.clearinghouse_claim_id = f"{icn:09d}"
    # Last, after every check: a refused submission leaves nothing in the outbox.
    name = clearinghouse.send("837", claim.claim_number, document)
    await audit.record(
        session,
        "billing.claim.submitted",
        actor=principal,
        subject_type="insurance_claim",
        subject_id=claim.id,
        details={"file": name},
    )
    return claim


async def move_claim(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID, to: ClaimStatus
) -> InsuranceClaim:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if to not in MANUAL_MOVES.get(claim.status, set()):
        raise Conflict(
            f"A {claim.status.value} claim cannot be marked {to.value}.", code="claim_transition_refused"
        )
    before = claim.status
    async with as_caller(session):
        claim.status = to
        if to == ClaimStatus.READY:  # corrected after a rejection: sent again as a new interchange
            claim.submitted_at = None
            claim.clearinghouse_claim_id = None
    await audit.record(
        session,
        "billing.claim.status",
        actor=principal,
        subject_type="insurance_claim",
        subject_id=claim.id,
        details={"from": before.value, "to": to.value},
    )
    return claim


async def list_claims(
    session: AsyncSession, principal: Principal, status: ClaimStatus | None, limit: int, offset: int
) -> list[tuple[InsuranceClaim, str | None]]:
    require_admin(principal)
    stmt = (
        select(InsuranceClaim, InsurancePayer.name)
        .join(InsurancePayer, InsurancePayer.id == InsuranceClaim.payer_id)
        .order_by(InsuranceClaim.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    if status is not None:
        stmt = stmt.where(InsuranceClaim.status == status)
    async with as_caller(session):
        return [(c, name) for c, name in (await session.execute(stmt)).all()]


async def claim_lines(session: AsyncSession, claim_id: uuid.UUID) -> list[InsuranceClaimLine]:
    async with as_caller(session):
        stmt = (
            select(InsuranceClaimLine)
            .where(InsuranceClaimLine.claim_id == claim_id)
            .order_by(InsuranceClaimLine.line_number)
        )
        return list((await session.execute(stmt)).scalars())


def zero() -> Decimal:
    return Decimal("0.00")
