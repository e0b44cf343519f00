"""Referrals: a treating clinician refers their patient to another clinician on the platform or to
an outside provider. Nothing leaves draft until the patient consents; a platform clinician who
accepts gets a *pending* relationship that the patient then accepts with their sharing choices,
so the referral never grants access by itself.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care import notify, repository
from hp_agent.care.models import (
    CareRole,
    Referral,
    ReferralStatus,
    RelationshipStatus,
    TherapeuticRelationship,
)
from hp_agent.care.schemas import ReferralIn
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, NotFound


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _audit(
    session: AsyncSession, action: str, actor: Principal, r: Referral, **details: object
) -> None:
    await audit.record(
        session,
        action,
        actor=actor,
        subject_type="referral",
        subject_id=r.id,
        details={"patient_id": r.patient_id, **details},
    )


async def create(session: AsyncSession, clinician: Principal, body: ReferralIn) -> Referral:
    if clinician.role != "therapist" or clinician.user_id is None:
        raise Forbidden("Only clinicians can refer.")
    await repository.require_active_relationship(session, clinician.user_id, body.patient_id)
    if body.to_clinician_id is not None:
        if body.to_clinician_id == clinician.user_id:
            raise Conflict("You cannot refer a patient to yourself.", code="referral_to_self")
        await repository.require_verified_clinician(session, body.to_clinician_id)
    r = Referral(
        id=uuid.uuid4(),
        patient_id=body.patient_id,
        referring_clinician_id=clinician.user_id,
        referred_to_clinician_id=body.to_clinician_id,
        external_provider_name=body.external_provider_name,
        external_provider_contact=body.external_provider_contact,
        requested_role=body.requested_role,
        specialty=body.specialty,
        urgency=body.urgency,
        status=ReferralStatus.draft,
        reason=body.reason,
    )
    session.add(r)
    await session.flush()
    await _audit(session, "care.referral.created", clinician, r, external=body.to_clinician_id is None)
    return r


async def _load(session: AsyncSession, actor: Principal, referral_id: uuid.UUID) -> Referral:
    r = (
        await session.execute(select(Referral).where(Referral.id == referral_id).with_for_update())
    ).scalar_one_or_none()
    people = (r.patient_id, r.referring_clinician_id, r.referred_to_clinician_id) if r else ()
    if r is None or actor.user_id not in people or _hidden_draft(actor, r):
        raise NotFound("No such referral.")
    return r


def _hidden_draft(actor: Principal, r: Referral) -> bool:
    # The recipient learns of a referral only once the patient has agreed to it.
    return r.status == ReferralStatus.draft and actor.user_id == r.referred_to_clinician_id


async def consent(session: AsyncSession, patient: Principal, referral_id: uuid.UUID) -> Referral:
    """The patient agrees: the referral is sent (to the clinician's inbox, or recorded as sent)."""
    r = await _load(session, patient, referral_id)
    if patient.user_id != r.patient_id:
        raise Forbidden("Only the patient can consent to a referral.", code="patient_only")
    if r.status != ReferralStatus.draft:
        raise Conflict("This referral is no longer waiting for your consent.", code="referral_not_draft")
    now = _now()
    r.patient_consented_at = now
    r.status = ReferralStatus.sent
    r.sent_at = now
    await session.flush()
    await _audit(session, "care.referral.consented", patient, r)
    return r


async def respond(
    session: AsyncSession, clinician: Principal, referral_id: uuid.UUID, *, accept: bool, note: str | None
) -> Referral:
    r = await _load(session, clinician, referral_id)
    if clinician.user_id != r.referred_to_clinician_id:
        raise Forbidden("Only the clinician referred to can answer.", code="not_recipient")
    if r.status != ReferralStatus.sent:
        raise Conflict("This referral is not waiting for an answer.", code="referral_not_sent")
    assert clinician.user_id is not None
    if accept:
        await repository.require_verified_clinician(session, clinician.user_id)
    # The recipient is not (yet) treating the patient: a policy of its own lets the clinician a
    # sent referral names answer it (referrals_recipient_answers, hp_agent/db/security.py).
    r.status = ReferralStatus.accepted if accept else ReferralStatus.declined
    r.responded_at = _now()
    r.response_note = note
    await session.flush()
    rel_id = None
    if accept:
        t = TherapeuticRelationship
        open_pair = (
            await session.execute(
                select(t.id).where(
                    t.patient_id == r.patient_id,
                    t.therapist_id == clinician.user_id,
                    t.status.in_((RelationshipStatus.pending, RelationshipStatus.active)),
                )
            )
        ).first()
        if open_pair is None:
            role = r.requested_role or CareRole.counselor
            rel = TherapeuticRelationship(
                id=uuid.uuid4(),
                patient_id=r.patient_id,
                therapist_id=clinician.user_id,
                role=role,
                status=RelationshipStatus.pending,
                is_primary=role == CareRole.primary_therapist,
                created_by=clinician.user_id,
            )
            session.add(rel)
            await session.flush()
            rel_id = rel.id
            await notify.in_app(
                session,
                r.patient_id,
                f"care_offer:{rel.id}",
                "A clinician offered to start care with you",
                rel.id,
            )
    await _audit(
        session,
        "care.referral.accepted" if accept else "care.referral.declined",
        clinician,
        r,
        relationship_id=rel_id,
    )
    return r


async def cancel(session: AsyncSession, actor: Principal, referral_id: uuid.UUID) -> Referral:
    """The patient (declining consent) or the referring clinician withdraws it."""
    r = await _load(session, actor, referral_id)
    if actor.user_id not in (r.patient_id, r.referring_clinician_id):
        raise Forbidden("Only the patient or the referring clinician can cancel.")
    if r.status not in (ReferralStatus.draft, ReferralStatus.sent):
        raise Conflict("This referral can no longer be cancelled.", code="referral_closed")
    # The patient as owner, the referring clinician through referrals_referrer_cancels.
    r.status = ReferralStatus.cancelled
    await session.flush()
    await _audit(session, "care.referral.cancelled", actor, r)
    return r


async def mine(session: AsyncSession, actor: Principal) -> list[Referral]:
    stmt = select(Referral).where(
        or_(
            Referral.patient_id == actor.user_id,
            Referral.referring_clinician_id == actor.user_id,
            Referral.referred_to_clinician_id == actor.user_id,
        )
    )
    rows = (await session.execute(stmt.order_by(Referral.created_at.desc()).limit(200))).scalars().all()
    return [r for r in rows if not _hidden_draft(actor, r)]
