"""Care relationships: request, invite code, accept, decline, end, and the patient's consents.

Who accepts is whoever did not ask: a patient's request waits for the clinician; a clinician's
invitation code, redeemed by the patient with their sharing choices, is the patient's acceptance.
Rows are never deleted (history is kept): declining and ending set ``status = 'ended'`` with a
coded reason. At most one active primary therapist per patient is checked here and enforced by
the partial unique index ``uq_therapeutic_relationships_active_primary``.

The relationship guard trigger lets only the patient (or the system actor) activate a row or
grant consent, so a clinician's acceptance is written as the system actor after the checks below.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care import notify, repository
from hp_agent.care.clinicians import digest
from hp_agent.care.models import (
    CareRole,
    ClinicianProfile,
    RelationshipStatus,
    TherapeuticRelationship,
)
from hp_agent.care.network_models import CareInviteCode
from hp_agent.care.schemas import (
    AcceptIn,
    ConsentIn,
    InviteCodeIn,
    RelationshipRequestIn,
    SharingIn,
)
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound

_FIELDS = {
    "share_journal": "consent_to_share_journal",
    "share_mood": "consent_to_share_mood",
    "share_assessments": "consent_to_share_assessments",
    "share_chat": "consent_to_share_chat",
    "share_safety_plan": "consent_to_share_safety_plan",
}
_OPEN = (RelationshipStatus.pending, RelationshipStatus.active)


class InviteCodeInvalid(HPError):
    status_code = 410
    code = "invite_code_invalid"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def requested_by(rel: TherapeuticRelationship) -> str:
    return "patient" if rel.created_by == rel.patient_id else "clinician"


def _require(actor: Principal, role: str) -> uuid.UUID:
    if actor.role != role or actor.user_id is None:
        raise Forbidden("You do not have permission to do this.")
    return actor.user_id


def _apply_sharing(rel: TherapeuticRelationship, sharing: SharingIn) -> dict[str, bool]:
    changes: dict[str, bool] = {}
    for field, column in _FIELDS.items():
        value = getattr(sharing, field)
        if value is not None and getattr(rel, column) != value:
            setattr(rel, column, value)
            changes[column] = value
    return changes


async def _audit(
    session: AsyncSession, action: str, actor: Principal, rel: TherapeuticRelationship, **details: Any
) -> None:
    await audit.record(
        session,
        action,
        actor=actor,
        subject_type="therapeutic_relationship",
        subject_id=rel.id,
        details={"patient_id": rel.patient_id, "therapist_id": rel.therapist_id, **details},
    )


async def _open_pair(session: AsyncSession, patient_id: uuid.UUID, clinician_id: uuid.UUID) -> bool:
    r = TherapeuticRelationship
    stmt = select(r.id).where(r.patient_id == patient_id, r.therapist_id == clinician_id, r.status.in_(_OPEN))
    return (await session.execute(stmt.limit(1))).scalar_one_or_none() is not None


async def _has_other_primary(session: AsyncSession, rel: TherapeuticRelationship) -> bool:
    r = TherapeuticRelationship
    stmt = select(r.id).where(
        r.patient_id == rel.patient_id,
        r.is_primary.is_(True),
        r.status == RelationshipStatus.active,
        r.id != rel.id,
    )
    return (await session.execute(stmt.with_for_update())).first() is not None


async def _activate(session: AsyncSession, rel: TherapeuticRelationship) -> None:
    """Make ``rel`` active; the unique index is the last word on 'one active primary'."""
    if rel.is_primary and await _has_other_primary(session, rel):
        raise Conflict(
            "The patient already has an active primary therapist; end that relationship first.",
            code="primary_exists",
        )
    now = _now()
    rel.status = RelationshipStatus.active
    rel.started_at = now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if "uq_therapeutic_relationships_active" in str(exc.orig):
            raise Conflict(
                "The patient already has an active primary therapist.", code="primary_exists"
            ) from None
        raise


async def request(
    session: AsyncSession, patient: Principal, body: RelationshipRequestIn
) -> TherapeuticRelationship:
    """A patient asks a clinician (pending until the clinician accepts) or redeems their code."""
    patient_id = _require(patient, "patient")
    if body.invite_code is not None:
        return await _redeem(session, patient, patient_id, body)
    assert body.clinician_id is not None
    profile = (
        await session.execute(select(ClinicianProfile).where(ClinicianProfile.user_id == body.clinician_id))
    ).scalar_one_or_none()
    if profile is None:
        raise NotFound("No such clinician.")
    await repository.require_verified_clinician(session, body.clinician_id)
    if not profile.accepting_new_patients:
        raise Conflict("This clinician is not accepting new patients.", code="not_accepting")
    if await _open_pair(session, patient_id, body.clinician_id):
        raise Conflict(
            "You already have a request or relationship with this clinician.", code="relationship_exists"
        )
    rel = TherapeuticRelationship(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=body.clinician_id,
        role=body.role,
        status=RelationshipStatus.pending,
        is_primary=body.role == CareRole.primary_therapist,
        created_by=patient_id,
        patient_consented_at=_now(),
    )
    _apply_sharing(rel, body.sharing)
    session.add(rel)
    await session.flush()
    await _audit(session, "care.relationship.requested", patient, rel, role=body.role.value)
    await notify.request_waiting(session, body.clinician_id, rel.id)
    return rel


async def _redeem(
    session: AsyncSession, patient: Principal, patient_id: uuid.UUID, body: RelationshipRequestIn
) -> TherapeuticRelationship:
    assert body.invite_code is not None
    # Codes are their clinician's rows: the patient learns only what redeeming needs (and the
    # row stays locked until this transaction ends), through a narrow database function.
    code = (
        await session.execute(
            text("SELECT * FROM app_care_code_for_redemption(:hash)"),
            {"hash": digest(body.invite_code.strip())},
        )
    ).one_or_none()
    if code is None:
        raise InviteCodeInvalid("This invitation code is not valid.")
    if code.used_at is not None:
        raise InviteCodeInvalid("This invitation code has already been used.", code="invite_code_used")
    if code.expires_at <= _now():
        raise InviteCodeInvalid("This invitation code has expired.", code="invite_code_expired")
    await repository.require_verified_clinician(session, code.clinician_id)
    if await _open_pair(session, patient_id, code.clinician_id):
        raise Conflict(
            "You already have a request or relationship with this clinician.", code="relationship_exists"
        )
    now = _now()
    rel = TherapeuticRelationship(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=code.clinician_id,
        role=CareRole(code.code_role),
        status=RelationshipStatus.pending,
        is_primary=code.code_role == CareRole.primary_therapist.value,
        created_by=code.clinician_id,
        patient_consented_at=now,
    )
    _apply_sharing(rel, body.sharing)
    session.add(rel)
    await session.flush()
    # The clinician invited, the patient redeemed with their sharing choices: that is acceptance.
    await _activate(session, rel)
    spent = (await session.execute(select(func.app_spend_care_code(code.code_id, rel.id)))).scalar_one()
    if not spent:  # the row lock above makes this unreachable short of a bug
        raise InviteCodeInvalid("This invitation code has already been used.", code="invite_code_used")
    await _audit(session, "care.relationship.accepted", patient, rel, via="invite_code")
    return rel


async def create_invite_code(
    session: AsyncSession, clinician: Principal, body: InviteCodeIn
) -> tuple[CareInviteCode, str]:
    clinician_id = _require(clinician, "therapist")
    await repository.require_verified_clinician(session, clinician_id)
    code = secrets.token_urlsafe(9)  # 72 bits, typed or pasted once
    row = CareInviteCode(
        id=uuid.uuid4(),
        clinician_id=clinician_id,
        code_hash=digest(code),
        role=body.role,
        expires_at=_now() + dt.timedelta(days=body.valid_days),
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "care.invite_code.created",
        actor=clinician,
        subject_type="care_invite_code",
        subject_id=row.id,
        details={"role": body.role.value},
    )
    return row, code


async def _load(session: AsyncSession, actor: Principal, rel_id: uuid.UUID) -> TherapeuticRelationship:
    """The row if ``actor`` is one of its two people (RLS shows it to no one else either)."""
    r = TherapeuticRelationship
    rel = (await session.execute(select(r).where(r.id == rel_id).with_for_update())).scalar_one_or_none()
    if rel is None or actor.user_id not in (rel.patient_id, rel.therapist_id):
        raise NotFound("No such care relationship.")
    return rel


def _is_acceptor(actor: Principal, rel: TherapeuticRelationship) -> bool:
    if requested_by(rel) == "patient":
        return actor.user_id == rel.therapist_id and actor.role == "therapist"
    return actor.user_id == rel.patient_id


async def accept(
    session: AsyncSession, actor: Principal, rel_id: uuid.UUID, body: AcceptIn
) -> TherapeuticRelationship:
    rel = await _load(session, actor, rel_id)
    if rel.status != RelationshipStatus.pending:
        raise Conflict("This relationship is not waiting for an answer.", code="relationship_not_pending")
    if not _is_acceptor(actor, rel):
        raise Forbidden("The other side of this request accepts it.", code="not_acceptor")
    await repository.require_verified_clinician(session, rel.therapist_id)
    if actor.user_id == rel.patient_id:
        _apply_sharing(rel, body.sharing)
        rel.patient_consented_at = _now()
        await _activate(session, rel)
    else:
        if body.sharing.model_fields_set:
            raise Forbidden("Only the patient chooses what is shared.", code="patient_only")
        # The patient asked and consented then: the guard lets the clinician activate that request.
        await _activate(session, rel)
    await _audit(session, "care.relationship.accepted", actor, rel)
    other = rel.patient_id if actor.user_id == rel.therapist_id else rel.therapist_id
    await notify.answered(session, other, rel.id, accepted=True)
    return rel


async def decline(session: AsyncSession, actor: Principal, rel_id: uuid.UUID) -> TherapeuticRelationship:
    """The other side says no; the side that asked may withdraw. Both keep the row as history."""
    rel = await _load(session, actor, rel_id)
    if rel.status != RelationshipStatus.pending:
        raise Conflict("This relationship is not waiting for an answer.", code="relationship_not_pending")
    reason = "declined" if _is_acceptor(actor, rel) else "withdrawn"
    rel.status = RelationshipStatus.ended
    rel.ended_at = _now()
    rel.end_reason = reason
    await session.flush()
    await _audit(session, f"care.relationship.{reason}", actor, rel)
    if reason == "declined":
        await notify.answered(session, rel.created_by or rel.patient_id, rel.id, accepted=False)
    return rel


async def end(
    session: AsyncSession, actor: Principal, rel_id: uuid.UUID, reason: str
) -> TherapeuticRelationship:
    rel = await _load(session, actor, rel_id)
    if rel.status not in (RelationshipStatus.active, RelationshipStatus.paused):
        raise Conflict("Only an active relationship can be ended.", code="relationship_not_active")
    rel.status = RelationshipStatus.ended
    rel.ended_at = _now()
    rel.end_reason = reason
    await session.flush()
    await _audit(session, "care.relationship.ended", actor, rel, reason=reason)
    return rel


async def my_relationships(session: AsyncSession, actor: Principal) -> list[TherapeuticRelationship]:
    r = TherapeuticRelationship
    if actor.role == "therapist":
        stmt = select(r).where(r.therapist_id == actor.user_id)
    else:
        stmt = select(r).where(r.patient_id == actor.user_id)
    return list((await session.execute(stmt.order_by(r.created_at.desc()))).scalars().all())


async def names(
    session: AsyncSession, rels: list[TherapeuticRelationship], actor: Principal
) -> dict[uuid.UUID, str]:
    """Display names of the other side: clinicians from the directory, patients from their profile
    (a narrow database function: a patient who asked a clinician has shown them their name)."""
    if actor.role == "therapist":
        ids = {r.patient_id for r in rels}
        rows = await session.execute(
            text("SELECT * FROM app_patient_names_for_clinician(:ids)"), {"ids": list(ids)}
        )
        return {uid: name for uid, name in rows if name}
    ids = {r.therapist_id for r in rels}
    rows = await session.execute(
        select(ClinicianProfile.user_id, ClinicianProfile.display_name).where(
            ClinicianProfile.user_id.in_(ids)
        )
    )
    return {uid: name for uid, name in rows.all() if name}


async def set_consent(
    session: AsyncSession, patient: Principal, relationship_id: uuid.UUID, body: ConsentIn
) -> TherapeuticRelationship:
    rel = (
        await session.execute(
            select(TherapeuticRelationship)
            .where(
                TherapeuticRelationship.id == relationship_id,
                # The patient only: a therapist is a participant of the row but may not grant consent.
                TherapeuticRelationship.patient_id == patient.user_id,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if rel is None:
        raise NotFound("No such care relationship.")
    changes = _apply_sharing(rel, body)
    await session.flush()
    if changes:
        await audit.record(
            session,
            "care.consent.updated",
            actor=patient,
            subject_type="therapeutic_relationship",
            subject_id=rel.id,
            details={"therapist_id": rel.therapist_id, **changes},
        )
    return rel
