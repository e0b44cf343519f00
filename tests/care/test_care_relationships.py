"""Care relationships through the API on real PostgreSQL: who may accept, what is refused with
which code (and nothing stored), one active primary therapist (also in the database), history,
invitation codes, and the patient's sharing choices driving the therapist RLS policies."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification
from hp_agent.care.models import TherapeuticRelationship
from hp_agent.care.network_models import CareInviteCode
from hp_agent.compliance.models import AuditLog
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import UserRole
from tests.care.conftest import Care, auth


async def _rels(owner_db: AsyncSession, patient: uuid.UUID) -> list[TherapeuticRelationship]:
    rows = await owner_db.execute(
        select(TherapeuticRelationship).where(TherapeuticRelationship.patient_id == patient)
    )
    return list(rows.scalars())


async def test_request_accept_end_keeps_history_and_audits(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    cid, clinician = await care.clinician(admin)
    pid, patient = await care.user(UserRole.patient)
    r = await care.c.post(
        "/v1/care/relationships",
        json={"clinician_id": str(cid), "sharing": {"share_mood": True, "share_safety_plan": True}},
        headers=auth(patient),
    )
    assert r.status_code == 201, r.text
    rel = r.json()
    assert rel["status"] == "pending"
    assert rel["requested_by"] == "patient"
    assert rel["is_primary"] is True
    assert rel["counterpart_name"] == "Dr Ada Okafor"

    # The side that asked does not accept its own request.
    r = await care.c.post(f"/v1/care/relationships/{rel['id']}/accept", headers=auth(patient))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_acceptor"
    # The clinician sees the request, with the patient as the counterpart.
    r = await care.c.get("/v1/care/relationships", headers=auth(clinician))
    assert [x["id"] for x in r.json()] == [rel["id"]]
    r = await care.c.post(f"/v1/care/relationships/{rel['id']}/accept", headers=auth(clinician))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    assert r.json()["consent_to_share_mood"] is True
    assert r.json()["consent_to_share_journal"] is False

    # Accepting twice is a clear conflict and changes nothing.
    r = await care.c.post(f"/v1/care/relationships/{rel['id']}/accept", headers=auth(clinician))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "relationship_not_pending"

    r = await care.c.post(
        f"/v1/care/relationships/{rel['id']}/end", json={"reason": "moved_away"}, headers=auth(patient)
    )
    assert r.status_code == 200
    assert r.json()["status"] == "ended"
    assert r.json()["end_reason"] == "moved_away"
    r = await care.c.post(f"/v1/care/relationships/{rel['id']}/end", headers=auth(clinician))
    assert r.status_code == 409

    rows = await _rels(owner_db, pid)
    assert len(rows) == 1  # history kept, not deleted
    actions = list(
        (
            await owner_db.execute(
                select(AuditLog.action)
                .where(AuditLog.subject_id == rows[0].id)
                .order_by(AuditLog.occurred_at)
            )
        ).scalars()
    )
    assert actions == ["care.relationship.requested", "care.relationship.accepted", "care.relationship.ended"]

    # The request reached the clinician (email + in-app), the answer reached the patient; neither
    # says who the patient is.
    mails = (
        (await owner_db.execute(select(EmailOutbox).where(EmailOutbox.recipient_user_id == cid)))
        .scalars()
        .all()
    )
    # (Besides the notice that the clinician turned on two-step sign-in when first signing in.)
    assert [m.template for m in mails if m.template != "mfa_enabled"] == ["care_request"]
    assert str(pid) not in mails[0].body_text
    notes = (
        await owner_db.execute(
            select(Notification.user_id, Notification.title).where(Notification.resource_id == rows[0].id)
        )
    ).all()
    assert sorted(notes) == sorted([(cid, "New care request"), (pid, "Your care request was accepted")])


async def test_request_to_unverified_clinician_is_refused_and_nothing_stored(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    cid, _ = await care.clinician(admin, verify=False)
    pid, patient = await care.user(UserRole.patient)
    r = await care.c.post("/v1/care/relationships", json={"clinician_id": str(cid)}, headers=auth(patient))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "clinician_not_verified"
    r = await care.c.post(
        "/v1/care/relationships", json={"clinician_id": str(uuid.uuid4())}, headers=auth(patient)
    )
    assert r.status_code == 404
    r = await care.c.post("/v1/care/relationships", json={}, headers=auth(patient))
    assert r.status_code == 422
    assert await _rels(owner_db, pid) == []


async def test_duplicate_request_and_not_accepting_are_conflicts(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    cid, _ = await care.clinician(admin)
    full, _ = await care.clinician(admin, accepting_new_patients=False)
    pid, patient = await care.user(UserRole.patient)
    body = {"clinician_id": str(cid)}
    assert (await care.c.post("/v1/care/relationships", json=body, headers=auth(patient))).status_code == 201
    r = await care.c.post("/v1/care/relationships", json=body, headers=auth(patient))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "relationship_exists"
    r = await care.c.post("/v1/care/relationships", json={"clinician_id": str(full)}, headers=auth(patient))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_accepting"
    assert len(await _rels(owner_db, pid)) == 1


async def test_one_active_primary_therapist(care: Care, admin: str, owner_db: AsyncSession) -> None:
    a, a_token = await care.clinician(admin)
    b, b_token = await care.clinician(admin)
    pid, patient = await care.user(UserRole.patient)
    await care.linked(patient, a, a_token)
    r = await care.c.post("/v1/care/relationships", json={"clinician_id": str(b)}, headers=auth(patient))
    rid = r.json()["id"]
    r = await care.c.post(f"/v1/care/relationships/{rid}/accept", headers=auth(b_token))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "primary_exists"
    statuses = sorted(x.status.value for x in await _rels(owner_db, pid))
    assert statuses == ["active", "pending"]

    # The database refuses it too, whoever writes.
    with pytest.raises(IntegrityError, match="uq_therapeutic_relationships_active_primary"):
        async with owner_db.begin_nested():
            await owner_db.execute(
                update(TherapeuticRelationship)
                .where(TherapeuticRelationship.id == uuid.UUID(rid))
                .values(status="active", started_at=dt.datetime.now(dt.UTC))
            )

    # A second clinician in another role is fine alongside the primary.
    r = await care.c.post(
        "/v1/care/relationships", json={"clinician_id": str(b), "role": "psychiatrist"}, headers=auth(patient)
    )
    assert r.status_code == 409  # the pending primary request to b is still open
    r = await care.c.post(f"/v1/care/relationships/{rid}/decline", headers=auth(b_token))
    assert r.json()["end_reason"] == "declined"
    r = await care.c.post(
        "/v1/care/relationships", json={"clinician_id": str(b), "role": "psychiatrist"}, headers=auth(patient)
    )
    assert r.status_code == 201
    r = await care.c.post(f"/v1/care/relationships/{r.json()['id']}/accept", headers=auth(b_token))
    assert r.status_code == 200
    assert r.json()["is_primary"] is False


async def test_only_the_two_people_see_or_touch_a_relationship(care: Care, admin: str) -> None:
    cid, clinician = await care.clinician(admin)
    _, other_clinician = await care.clinician(admin)
    _, patient = await care.user(UserRole.patient)
    _, stranger = await care.user(UserRole.patient)
    r = await care.c.post("/v1/care/relationships", json={"clinician_id": str(cid)}, headers=auth(patient))
    rid = r.json()["id"]
    for token in (other_clinician, stranger):
        for action in ("accept", "decline", "end"):
            r = await care.c.post(f"/v1/care/relationships/{rid}/{action}", headers=auth(token))
            assert r.status_code in (403, 404), (action, r.status_code)
        assert rid not in (await care.c.get("/v1/care/relationships", headers=auth(token))).text
    # The clinician cannot grant themselves the patient's consent.
    r = await care.c.post(
        f"/v1/care/relationships/{rid}/accept",
        json={"sharing": {"share_journal": True}},
        headers=auth(clinician),
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "patient_only"


async def test_invite_code_is_single_use_and_makes_an_active_relationship(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    cid, clinician = await care.clinician(admin)
    _, unverified = await care.clinician(admin, verify=False)
    r = await care.c.post("/v1/care/invite-codes", headers=auth(unverified))
    assert r.status_code == 409
    r = await care.c.post("/v1/care/invite-codes", json={"valid_days": 3}, headers=auth(clinician))
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    stored = (
        await owner_db.execute(select(CareInviteCode).where(CareInviteCode.clinician_id == cid))
    ).scalar_one()
    assert code.encode() not in stored.code_hash

    pid, patient = await care.user(UserRole.patient)
    r = await care.c.post(
        "/v1/care/relationships",
        json={"invite_code": code, "sharing": {"share_chat": True}},
        headers=auth(patient),
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "active"
    assert r.json()["requested_by"] == "clinician"
    assert r.json()["consent_to_share_chat"] is True

    _, second = await care.user(UserRole.patient)
    r = await care.c.post("/v1/care/relationships", json={"invite_code": code}, headers=auth(second))
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "invite_code_used"
    r = await care.c.post(
        "/v1/care/relationships", json={"invite_code": "wrong-code-123"}, headers=auth(second)
    )
    assert r.json()["error"]["code"] == "invite_code_invalid"

    r = await care.c.post("/v1/care/invite-codes", headers=auth(clinician))
    await owner_db.execute(
        update(CareInviteCode)
        .where(CareInviteCode.clinician_id == cid, CareInviteCode.used_at.is_(None))
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    r2 = await care.c.post(
        "/v1/care/relationships", json={"invite_code": r.json()["code"]}, headers=auth(second)
    )
    assert r2.status_code == 410
    assert r2.json()["error"]["code"] == "invite_code_expired"
    n = await owner_db.scalar(
        select(func.count())
        .select_from(TherapeuticRelationship)
        .where(TherapeuticRelationship.therapist_id == cid)
    )
    assert n == 1
    del pid


async def test_sharing_choices_drive_what_the_therapist_reads(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    cid, clinician = await care.clinician(admin)
    pid, patient = await care.user(UserRole.patient)
    r = await care.c.put(
        "/v1/safety-plan",
        json={"warning_signs": ["not sleeping"], "internal_coping_strategies": ["walk"]},
        headers=auth(patient),
    )
    assert r.status_code in (200, 201), r.text
    # Not linked: no access at all.
    assert (await care.c.get(f"/v1/patients/{pid}/safety-plan", headers=auth(clinician))).status_code in (
        403,
        404,
    )
    rid = await care.linked(patient, cid, clinician)  # shares nothing yet
    assert (await care.c.get(f"/v1/patients/{pid}/safety-plan", headers=auth(clinician))).status_code in (
        403,
        404,
    )
    r = await care.c.put(
        f"/v1/care/relationships/{rid}/consent", json={"share_safety_plan": True}, headers=auth(patient)
    )
    assert r.status_code == 200
    r = await care.c.get(f"/v1/patients/{pid}/safety-plan", headers=auth(clinician))
    assert r.status_code == 200, r.text
    assert "not sleeping" in r.text
    # Ending the relationship ends the access.
    await care.c.post(f"/v1/care/relationships/{rid}/end", headers=auth(clinician))
    assert (await care.c.get(f"/v1/patients/{pid}/safety-plan", headers=auth(clinician))).status_code in (
        403,
        404,
    )


async def test_guard_trigger_keeps_new_consents_with_the_patient(
    care: Care, admin: str, app_db: object
) -> None:
    """A clinician writing SQL directly cannot grant themselves mood or assessment sharing."""
    from hp_agent.db.session import Database, Principal

    assert isinstance(app_db, Database)
    cid, clinician = await care.clinician(admin)
    pid, patient = await care.user(UserRole.patient)
    rid = uuid.UUID(await care.linked(patient, cid, clinician))
    for column in ("consent_to_share_mood", "consent_to_share_assessments"):
        with pytest.raises(Exception, match="only the patient"):
            async with app_db.unit_of_work(Principal(cid, "therapist")) as s:
                await s.execute(
                    update(TherapeuticRelationship)
                    .where(TherapeuticRelationship.id == rid)
                    .values({column: True})
                )
    with pytest.raises(Exception, match="only the patient"):
        async with app_db.unit_of_work(Principal(cid, "therapist")) as s:
            await s.execute(
                insert(TherapeuticRelationship).values(
                    patient_id=pid, therapist_id=cid, role="counselor", consent_to_share_mood=True
                )
            )
