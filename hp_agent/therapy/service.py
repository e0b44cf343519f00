"""Therapy sessions and session notes: draft → signed (immutable) → corrected by addenda.

Only a clinician who actively treats the patient writes; only a note's author edits its draft,
signs it or adds an addendum to it. The database refuses the same (migration 0007 and the
``session_notes_immutable_when_signed`` trigger of 0002); the checks here come first so the
caller gets a clear 4xx and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound
from hp_agent.scheduling.models import Appointment
from hp_agent.therapy import repository as repo
from hp_agent.therapy.access import readable_patient, require_treating
from hp_agent.therapy.models import (
    NoteFormat,
    NoteStatus,
    NoteType,
    SessionNote,
    SessionStatus,
    TherapySession,
    TreatmentPlan,
)
from hp_agent.therapy.schemas import AddendumIn, NoteIn, NoteOut, NotePatch, TherapySessionIn

# The sections each note format is written in; a note must fill at least one.
SECTIONS: dict[NoteFormat, tuple[str, ...]] = {
    NoteFormat.soap: ("subjective", "objective", "assessment", "plan"),
    NoteFormat.dap: ("data", "assessment", "plan"),
    NoteFormat.birp: ("behavior", "intervention", "response", "plan"),
    NoteFormat.narrative: ("text",),
}
# How far from an appointment's start a session may begin and still be that appointment.
APPOINTMENT_MATCH = dt.timedelta(minutes=30)

# The table's duration_range check (0-1440 minutes); refused here with a 422, not a 500.
MAX_SESSION_LENGTH = dt.timedelta(hours=24)


class InvalidClinicalInput(HPError):
    status_code = 422
    code = "validation_error"


def field_error(field: str, message: str, text: str, code: str = "validation_error") -> InvalidClinicalInput:
    return InvalidClinicalInput(text, code=code, details={"fields": [{"field": field, "message": message}]})


# ----------------------------------------------------------------------------- sessions


async def _appointment_for(
    session: AsyncSession, patient_id: uuid.UUID, clinician: uuid.UUID, body: TherapySessionIn
) -> uuid.UUID | None:
    if body.appointment_id is not None:
        appt = await session.get(Appointment, body.appointment_id)
        if appt is None or appt.patient_id != patient_id or appt.therapist_id != clinician:
            raise field_error(
                "appointment_id", "not this patient's appointment with you", "Unknown appointment."
            )
        return appt.id
    at = body.started_at or body.scheduled_start
    if at is None:
        return None
    a = Appointment
    stmt = (
        select(a.id)
        .where(
            a.patient_id == patient_id,
            a.therapist_id == clinician,
            a.starts_at.between(at - APPOINTMENT_MATCH, at + APPOINTMENT_MATCH),
            a.status.notin_(("cancelled", "no_show", "rescheduled")),
        )
        .order_by(a.starts_at)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_session(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID, body: TherapySessionIn
) -> TherapySession:
    clinician = await require_treating(session, principal, patient_id)
    if body.started_at and body.ended_at and body.ended_at < body.started_at:
        raise field_error("ended_at", "before started_at", "A session cannot end before it starts.")
    if body.started_at and body.ended_at and body.ended_at - body.started_at > MAX_SESSION_LENGTH:
        raise field_error(
            "ended_at", "more than 24 hours after started_at", "A session cannot last more than 24 hours."
        )
    if body.status == SessionStatus.completed and body.ended_at is None:
        raise field_error(
            "ended_at", "required for a completed session", "A completed session needs ended_at."
        )
    if body.treatment_plan_id is not None:
        plan = await session.get(TreatmentPlan, body.treatment_plan_id)
        if plan is None or plan.patient_id != patient_id:
            raise field_error("treatment_plan_id", "not this patient's plan", "Unknown treatment plan.")
    duration = None
    if body.started_at and body.ended_at:
        duration = int((body.ended_at - body.started_at).total_seconds() // 60)
    row = TherapySession(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=clinician,
        appointment_id=await _appointment_for(session, patient_id, clinician, body),
        treatment_plan_id=body.treatment_plan_id,
        session_type=body.session_type,
        modality=body.modality,
        status=body.status,
        scheduled_start=body.scheduled_start,
        started_at=body.started_at,
        ended_at=body.ended_at,
        duration_minutes=duration,
        cpt_code=body.cpt_code,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "therapy.session.created",
        actor=principal,
        subject_type="therapy_session",
        subject_id=row.id,
        details={"patient_id": patient_id, "appointment_id": row.appointment_id, "status": row.status.value},
    )
    return row


async def list_sessions(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID
) -> list[TherapySession]:
    await readable_patient(session, principal, patient_id)
    return await repo.sessions_of(session, patient_id)


# ----------------------------------------------------------------------------- notes


def _content(fmt: NoteFormat, content: dict[str, str], field: str = "content") -> str:
    allowed = SECTIONS[fmt]
    unknown = sorted(set(content) - set(allowed))
    if unknown:
        raise field_error(
            field,
            f"unknown sections for {fmt.value}; expected {', '.join(allowed)}",
            "Unknown note sections.",
        )
    cleaned = {k: content[k].strip() for k in allowed if content.get(k, "").strip()}
    if not cleaned:
        raise field_error(field, "empty", "A note needs at least one non-empty section.")
    return json.dumps(cleaned, ensure_ascii=False)


def note_out(note: SessionNote) -> NoteOut:
    return NoteOut(
        id=note.id,
        patient_id=note.patient_id,
        therapy_session_id=note.therapy_session_id,
        author_id=note.author_id,
        note_type=note.note_type,
        format=note.format,
        status=note.status,
        content=json.loads(note.content),
        visible_to_patient=note.visible_to_patient,
        signed_at=note.signed_at,
        signed_by=note.signed_by,
        amends_note_id=note.amends_note_id,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


async def _note_audit(
    session: AsyncSession, principal: Principal, action: str, note: SessionNote, **details: object
) -> None:
    await audit.record(
        session,
        action,
        actor=principal,
        subject_type="session_note",
        subject_id=note.id,
        details={"patient_id": note.patient_id, **details},
    )


async def create_note(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID, body: NoteIn
) -> SessionNote:
    author = await require_treating(session, principal, patient_id)
    if body.therapy_session_id is not None:
        ts = await session.get(TherapySession, body.therapy_session_id)
        if ts is None or ts.patient_id != patient_id:
            raise field_error("therapy_session_id", "not this patient's session", "Unknown therapy session.")
    visible = body.visible_to_patient
    if visible is None:
        # HIPAA psychotherapy notes are kept apart from the record the patient reads.
        visible = body.note_type != NoteType.psychotherapy
    note = SessionNote(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapy_session_id=body.therapy_session_id,
        author_id=author,
        note_type=body.note_type,
        format=body.format,
        status=NoteStatus.draft,
        content=_content(body.format, body.content),
        visible_to_patient=visible,
    )
    session.add(note)
    await session.flush()
    await session.refresh(note)
    await _note_audit(session, principal, "therapy.note.created", note, format=note.format.value)
    return note


async def _authored_note(session: AsyncSession, principal: Principal, note_id: uuid.UUID) -> SessionNote:
    """A note the caller may act on as its author (and still treats the patient)."""
    note = await repo.get_note(session, note_id)
    if note is None:
        raise NotFound("No such note.")
    await require_treating(session, principal, note.patient_id)
    if note.author_id != principal.user_id:
        raise Forbidden("Only the author of a note can change, sign or amend it.", code="not_note_author")
    # Locked only now: FOR UPDATE sees rows the UPDATE policy allows, i.e. the author's.
    locked = await repo.get_note(session, note_id, lock=True)
    if locked is None:
        raise NotFound("No such note.")
    return locked


async def update_note(
    session: AsyncSession, principal: Principal, note_id: uuid.UUID, body: NotePatch
) -> SessionNote:
    note = await _authored_note(session, principal, note_id)
    if note.status != NoteStatus.draft:
        raise Conflict("A signed note cannot be edited; add an addendum instead.", code="note_signed")
    changed: list[str] = []
    if body.content is not None:
        note.content = _content(note.format, body.content)
        changed.append("content")
    if body.visible_to_patient is not None:
        note.visible_to_patient = body.visible_to_patient
        changed.append("visible_to_patient")
    await session.flush()
    await session.refresh(note)
    await _note_audit(session, principal, "therapy.note.updated", note, fields=changed)
    return note


async def sign_note(session: AsyncSession, principal: Principal, note_id: uuid.UUID) -> SessionNote:
    note = await _authored_note(session, principal, note_id)
    if note.status != NoteStatus.draft:
        raise Conflict("This note is already signed.", code="note_signed")
    note.status = NoteStatus.signed
    note.signed_at = dt.datetime.now(dt.UTC)
    note.signed_by = note.author_id
    await session.flush()
    await session.refresh(note)
    await _note_audit(session, principal, "therapy.note.signed", note)
    return note


async def add_addendum(
    session: AsyncSession, principal: Principal, note_id: uuid.UUID, body: AddendumIn
) -> SessionNote:
    """A correction of a signed note: a new signed note pointing at it; the original becomes 'amended'."""
    original = await _authored_note(session, principal, note_id)
    if original.status == NoteStatus.draft:
        raise Conflict("A draft is edited, not amended.", code="note_not_signed")
    now = dt.datetime.now(dt.UTC)
    addendum = SessionNote(
        id=uuid.uuid4(),
        patient_id=original.patient_id,
        therapy_session_id=original.therapy_session_id,
        author_id=original.author_id,
        note_type=original.note_type,
        format=NoteFormat.narrative,
        status=NoteStatus.signed,
        content=_content(NoteFormat.narrative, body.content),
        visible_to_patient=original.visible_to_patient,
        signed_at=now,
        signed_by=original.author_id,
        amends_note_id=original.id,
    )
    session.add(addendum)
    original.status = NoteStatus.amended
    await session.flush()
    await session.refresh(addendum)
    await _note_audit(session, principal, "therapy.note.amended", original, addendum_id=addendum.id)
    return addendum


async def list_notes(session: AsyncSession, principal: Principal, patient_id: uuid.UUID) -> list[SessionNote]:
    as_clinician = await readable_patient(session, principal, patient_id)
    notes = await repo.notes_of(session, patient_id, patient_view=not as_clinician)
    if as_clinician:
        await audit.record(
            session,
            "therapy.notes.listed",
            actor=principal,
            subject_type="user",
            subject_id=patient_id,
            details={"notes": len(notes)},
        )
    return notes
